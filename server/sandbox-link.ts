// Connects an org to a sandbox corp: the org's WeCom config gets the corp's secrets, the corp calls our callback route.
import { randomBytes } from 'node:crypto'
import type { Deps } from './deps'
import { generateEncodingAesKey } from './platform/crypto'
import type { Sandbox } from './sandbox/index'
import { callbackUrlFor, saveConfig } from './modules/wecom-config/wecom-config.service'
import { findConfigByOrg } from './modules/wecom-config/wecom-config.repository'
import { syncStaff } from './modules/wecom-config/wecom-config.service'

export async function linkOrgToSandboxCorp(deps: Deps, sandbox: Sandbox, orgId: number, corpid: string): Promise<void> {
  const corp = sandbox.control.getCorp(corpid)
  const contact = corp.apps.find((a) => a.kind === 'contact')
  const agent = corp.apps.find((a) => a.kind === 'agent')
  if (!contact) throw new Error(`sandbox corp ${corpid} has no customer-contact app`)
  const callbackToken = randomBytes(12).toString('hex')
  const encodingAesKey = generateEncodingAesKey()
  await saveConfig(deps, orgId, {
    corpId: corpid,
    agentId: agent ? String(agent.agentid) : '',
    contactSecret: contact.secret,
    agentSecret: agent?.secret,
    callbackToken,
    encodingAesKey,
  })
  const row = await findConfigByOrg(deps.db, orgId)
  sandbox.control.setCallback(corpid, { url: callbackUrlFor(deps, row!.callback_key), token: callbackToken, encodingAesKey })
  await syncStaff(deps, orgId)
}

/** The demo: the demo org talks to the sandbox's demo corp, with matching secrets and callback settings. */
export async function linkDemoOrg(deps: Deps, sandbox: Sandbox, orgId: number, corpName: string): Promise<string | null> {
  const corp = sandbox.control.listCorps().find((c) => c.name === corpName)
  if (!corp) return null
  const existing = await findConfigByOrg(deps.db, orgId)
  // Relink only when the pair no longer matches (first start, re-seeded sandbox); otherwise keep the admin's settings.
  if (!existing || existing.corp_id !== corp.corpid || !corp.callback) await linkOrgToSandboxCorp(deps, sandbox, orgId, corp.corpid)
  return corp.corpid
}
