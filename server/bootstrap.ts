// First start: the platform admin account and, in the demo, the demo clinic org.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Deps } from './deps'
import { isDuplicateKey } from './db/dialect'
import { ConflictError } from './lib/errors'
import { findOrgIdBySlug, insertOrg } from './modules/orgs/orgs.repository'
import { findUserIdByUsername } from './modules/users/users.repository'
import { createUser } from './modules/users/users.service'

export const DEMO_ORG = { name: '示例医美诊所', slug: 'demo-clinic' }
export const INITIAL_PASSWORD_FILE = 'initial-admin-password.txt'

export interface BootstrapResult {
  /**
   * `password` is the generated password only outside production (demo, development); in production it is always
   * null and `passwordFile` names the owner-only file it was written to, so it never reaches stdout or a log.
   */
  admin: { username: string; password: string | null; passwordFile: string | null; created: boolean }
  demoOrgId: number | null
}

export async function bootstrap(deps: Deps, opts: { demo: boolean }): Promise<BootstrapResult> {
  const { config } = deps
  const username = config.admin.username.toLowerCase()
  const now = deps.clock.now()
  let demoOrgId: number | null = null
  if (opts.demo) {
    demoOrgId = (await findOrgIdBySlug(deps.db, DEMO_ORG.slug))?.id ?? (await insertDemoOrg(deps, now))
  }
  if (await findUserIdByUsername(deps.db, username)) {
    return {
      admin: {
        username,
        password: opts.demo && !config.production ? readDemoPassword(config.dataDir) : null,
        passwordFile: null,
        created: false,
      },
      demoOrgId,
    }
  }
  const generated = config.admin.password === undefined
  const password = config.admin.password ?? randomBytes(18).toString('base64url')
  try {
    await createUser(deps, null, { username, displayName: '平台管理员', password, role: 'super_admin' })
  } catch (err) {
    // Two instances starting together on an empty database: the other one created the admin first, and wrote the file.
    if (err instanceof ConflictError) return { admin: { username, password: null, passwordFile: null, created: false }, demoOrgId }
    throw err
  }
  if (config.production) {
    // Whether generated or from ADMIN_PASSWORD, a production password is never handed back to be printed.
    return {
      admin: { username, password: null, passwordFile: generated ? writePasswordFile(config.dataDir, password) : null, created: true },
      demoOrgId,
    }
  }
  // The demo keeps a generated password beside its data so a restarted demo can still say how to log in.
  if (generated && opts.demo) writePasswordFile(config.dataDir, password)
  return { admin: { username, password, passwordFile: null, created: true }, demoOrgId }
}

/** The demo org, or the one another instance starting at the same moment has just inserted. */
async function insertDemoOrg(deps: Deps, now: number): Promise<number> {
  try {
    return await insertOrg(deps.db, { ...DEMO_ORG, now })
  } catch (err) {
    const id = isDuplicateKey(err) ? (await findOrgIdBySlug(deps.db, DEMO_ORG.slug))?.id : undefined
    if (id === undefined) throw err
    return id
  }
}

/** Writes the generated password to a file only the service's user can read (0600) and returns its path. */
function writePasswordFile(dataDir: string, password: string): string {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, INITIAL_PASSWORD_FILE)
  writeFileSync(file, `${password}\n`, { mode: 0o600 })
  // mode applies only when the file is created; a leftover file keeps its old mode otherwise.
  chmodSync(file, 0o600)
  return file
}

function readDemoPassword(dataDir: string): string | null {
  const file = join(dataDir, INITIAL_PASSWORD_FILE)
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null
}
