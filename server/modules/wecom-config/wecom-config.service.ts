// An org's WeCom configuration: save with secrets sealed, show masked, test the connection, sync staff.
import { randomBytes } from 'node:crypto'
import { InvalidInputError } from '../../lib/errors'
import type { Deps } from '../../deps'
import { maskSecret } from '../../lib/secret-box'
import { PlatformError, PlatformTransportError } from '../../platform/errors'
import type { WecomConfigSaveInput, WecomConfigView } from '../../../shared/schemas/wecom-config'
import {
  deleteWecomTokens,
  findConfigByOrg,
  findStaffNames,
  findTokenTimes,
  recordConnectionTest,
  replaceStaff,
  upsertConfig,
} from './wecom-config.repository'

export function callbackUrlFor(deps: Deps, callbackKey: string): string {
  return `${deps.config.publicBaseUrl}/api/wework/callback/${callbackKey}`
}

export async function getConfigView(deps: Deps, orgId: number): Promise<WecomConfigView> {
  const row = await findConfigByOrg(deps.db, orgId)
  if (!row) {
    return {
      configured: false,
      corpId: '',
      agentId: '',
      contactSecretMasked: '',
      agentSecretMasked: '',
      callbackTokenMasked: '',
      encodingAesKeyMasked: '',
      callbackUrl: null,
      lastTest: null,
      staffCount: null,
      token: null,
    }
  }
  const open = (s: string | null) => (s ? deps.secrets.open(s) : '')
  const token = await findTokenTimes(deps.db, orgId, 'wecom:contact')
  return {
    configured: true,
    corpId: row.corp_id,
    agentId: row.agent_id ?? '',
    contactSecretMasked: maskSecret(open(row.contact_secret_sealed)),
    agentSecretMasked: maskSecret(open(row.agent_secret_sealed)),
    callbackTokenMasked: maskSecret(open(row.callback_token_sealed)),
    encodingAesKeyMasked: maskSecret(open(row.encoding_aes_key_sealed)),
    callbackUrl: callbackUrlFor(deps, row.callback_key),
    lastTest: row.last_test_at ? { at: row.last_test_at, ok: row.last_test_ok === 1, message: row.last_test_message ?? '' } : null,
    staffCount: row.staff_count,
    token: token ? { expiresAt: token.expires_at, refreshedAt: token.refreshed_at } : null,
  }
}

export async function saveConfig(deps: Deps, orgId: number, input: WecomConfigSaveInput): Promise<WecomConfigView> {
  const existing = await findConfigByOrg(deps.db, orgId)
  const need = (value: string | undefined, stored: string | null | undefined, label: string) => {
    if (value) return deps.secrets.seal(value)
    if (stored) return stored
    throw new InvalidInputError(`输入无效：${label} 不能为空`)
  }
  const now = deps.clock.now()
  const contactSecret = need(input.contactSecret, existing?.contact_secret_sealed, 'contactSecret')
  const callbackToken = need(input.callbackToken, existing?.callback_token_sealed, 'callbackToken')
  const aesKey = need(input.encodingAesKey, existing?.encoding_aes_key_sealed, 'encodingAesKey')
  const agentSecret = input.agentSecret ? deps.secrets.seal(input.agentSecret) : (existing?.agent_secret_sealed ?? null)
  const secretChanged = !!input.contactSecret || !!input.agentSecret || (existing && existing.corp_id !== input.corpId)
  await deps.db.transaction().execute(async (trx) => {
    await upsertConfig(
      trx,
      {
        org_id: orgId,
        corp_id: input.corpId,
        agent_id: input.agentId || null,
        contact_secret_sealed: contactSecret,
        agent_secret_sealed: agentSecret,
        callback_token_sealed: callbackToken,
        encoding_aes_key_sealed: aesKey,
        callback_key: existing?.callback_key ?? randomBytes(12).toString('base64url'),
        last_test_at: existing?.last_test_at ?? null,
        last_test_ok: existing?.last_test_ok ?? null,
        last_test_message: existing?.last_test_message ?? null,
        staff_count: existing?.staff_count ?? null,
        created_at: existing?.created_at ?? now,
        // Strictly increasing, so cached clients built from the old row are rebuilt.
        updated_at: Math.max(now, (existing?.updated_at ?? 0) + 1),
      },
      [
        'corp_id',
        'agent_id',
        'contact_secret_sealed',
        'agent_secret_sealed',
        'callback_token_sealed',
        'encoding_aes_key_sealed',
        'updated_at',
      ],
    )
    // Tokens of an old secret or corp are useless and must not be handed out again.
    if (secretChanged) await deleteWecomTokens(trx, orgId)
  })
  // This process's clients are rebuilt from the new row at once; other instances within their config TTL.
  deps.wecom.forget(orgId)
  return getConfigView(deps, orgId)
}

export interface TestResult {
  ok: boolean
  staffCount: number | null
  message: string
  errcode?: number
}

/** gettoken + get_follow_user_list; on success the staff list is synced too. */
export async function testConnection(deps: Deps, orgId: number): Promise<TestResult> {
  let result: TestResult
  try {
    const staff = await syncStaff(deps, orgId)
    result = { ok: true, staffCount: staff, message: `连接成功，可联系客户的成员 ${staff} 人` }
  } catch (err) {
    if (err instanceof PlatformError)
      result = { ok: false, staffCount: null, errcode: err.errcode, message: `${err.hint}（错误码 ${err.errcode}）` }
    else if (err instanceof PlatformTransportError) result = { ok: false, staffCount: null, message: `无法连接企业微信：${err.message}` }
    else throw err
  }
  await recordConnectionTest(deps.db, orgId, {
    at: deps.clock.now(),
    ok: result.ok,
    message: result.message,
    staffCount: result.staffCount,
  })
  return result
}

/** How many user/get calls syncStaff keeps in flight: quick for a clinic's staff, gentle on the per-API budget. */
export const STAFF_NAME_CONCURRENCY = 5

/**
 * Mirrors the members with customer contact into wecom_staff; members no longer listed become inactive.
 * get_follow_user_list gives userids only, so names come from user/get — for members that are new or still
 * named by their userid (a name that failed earlier); a name that cannot be fetched stays the userid and never
 * fails the sync. Names are fetched before the transaction, which must not stay open across HTTP calls.
 */
export async function syncStaff(deps: Deps, orgId: number, listed?: readonly string[]): Promise<number> {
  const client = await deps.wecom.for(orgId)
  // A caller that has just fetched the list (the customer sync) passes it, saving the second identical call.
  const follow_user = listed ? [...listed] : (await client.externalContact.getFollowUserList()).follow_user
  const known = await findStaffNames(deps.db, orgId)
  const unnamed = follow_user.filter((userid) => !known.has(userid) || known.get(userid) === userid)
  const names = new Map<string, string>()
  await forEachLimited(unnamed, STAFF_NAME_CONCURRENCY, async (userid) => {
    try {
      const { name } = await client.user.get(userid)
      if (name) names.set(userid, name)
    } catch (err) {
      deps.log.warn({ orgId, userid, err: (err as Error).message }, 'wecom member name unavailable; keeping the userid')
    }
  })

  const now = deps.clock.now()
  const row = (userid: string) => ({ userid, name: (names.get(userid) ?? known.get(userid) ?? userid).slice(0, 100) })
  // Rows with a fresh name overwrite it; the others keep whatever name they have (a real one, or the userid).
  const named = follow_user.filter((userid) => names.has(userid)).map(row)
  const keepName = follow_user.filter((userid) => !names.has(userid)).map(row)
  await deps.db.transaction().execute((trx) => replaceStaff(trx, orgId, { named, keepName, total: follow_user.length }, now))
  return follow_user.length
}

/** Runs `fn` over `items` with at most `limit` in flight; `fn` must not throw. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
