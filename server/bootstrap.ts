// First start: the platform admin account and, in the demo, the demo clinic org.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Deps } from './deps'
import { insertedId } from './db/dialect'
import { createUser } from './modules/users/users.service'

export const DEMO_ORG = { name: '示例医美诊所', slug: 'demo-clinic' }

export interface BootstrapResult {
  admin: { username: string; password: string | null; created: boolean }
  demoOrgId: number | null
}

export async function bootstrap(deps: Deps, opts: { demo: boolean }): Promise<BootstrapResult> {
  const { config } = deps
  const username = config.admin.username.toLowerCase()
  const now = deps.clock.now()
  let demoOrgId: number | null = null
  if (opts.demo) {
    const org = await deps.db.selectFrom('orgs').select('id').where('slug', '=', DEMO_ORG.slug).executeTakeFirst()
    demoOrgId = org?.id ?? insertedId(await deps.db.insertInto('orgs').values({ ...DEMO_ORG, status: 'active', created_at: now, updated_at: now }).executeTakeFirstOrThrow())
  }
  const existing = await deps.db.selectFrom('admin_users').select('id').where('username', '=', username).executeTakeFirst()
  if (existing) {
    return { admin: { username, password: opts.demo ? readDemoPassword(config.dataDir) : null, created: false }, demoOrgId }
  }
  const password = config.admin.password ?? randomBytes(9).toString('base64url')
  await createUser(deps, null, { username, displayName: '平台管理员', password, role: 'super_admin' })
  // The demo keeps a generated password beside its data so a restarted demo can still say how to log in.
  if (opts.demo && !config.admin.password) writeFileSync(join(config.dataDir, 'initial-admin-password.txt'), password, { mode: 0o600 })
  return { admin: { username, password, created: true }, demoOrgId }
}

function readDemoPassword(dataDir: string): string | null {
  const file = join(dataDir, 'initial-admin-password.txt')
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null
}
