// Writes and lists audit entries; input summaries never contain secrets.
import type { Executor } from '../../db/database'
import type { Deps } from '../../deps'
import type { SessionUser } from '../auth/session-user'
import { insertAuditEntry } from './audit.repository'

const SECRET_KEY_RE = /pass(word)?|secret|token|aes|key|cookie|credential/i
const MAX_SUMMARY = 2000

/** A JSON summary of a mutation's input with every secret-looking field replaced. */
export function summarizeInput(input: unknown): string | null {
  if (input === undefined) return null
  const scrub = (v: unknown, depth: number): unknown => {
    if (depth > 4) return '…'
    if (Array.isArray(v)) return v.slice(0, 20).map((x) => scrub(x, depth + 1))
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEY_RE.test(k) ? '[redacted]' : scrub(x, depth + 1)]))
    }
    if (typeof v === 'string' && v.length > 200) return `${v.slice(0, 200)}…`
    return v
  }
  const text = JSON.stringify(scrub(input, 0))
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY)}…` : text
}

export async function writeAudit(
  deps: Pick<Deps, 'db' | 'clock'>,
  entry: { user: SessionUser; action: string; input: unknown; ok: boolean; error: string | null; ip: string },
): Promise<void> {
  await insertAuditEntry(deps.db, {
    org_id: entry.user.role === 'super_admin' ? entry.user.actingOrgId : entry.user.orgId,
    user_id: entry.user.id,
    username: entry.user.username,
    action: entry.action,
    input_summary: summarizeInput(entry.input),
    result: entry.ok ? 'ok' : 'error',
    error: entry.error ? entry.error.slice(0, 500) : null,
    ip: entry.ip,
    created_at: deps.clock.now(),
  })
}

/** A login attempt (there is no session yet, so the who and the org are given explicitly). `db` may be a transaction. */
export async function writeLoginAudit(
  db: Executor,
  entry: { orgId: number | null; userId: number | null; username: string; ok: boolean; error: string | null; ip: string; now: number },
): Promise<void> {
  await insertAuditEntry(db, {
    org_id: entry.orgId,
    user_id: entry.userId,
    username: entry.username,
    action: 'auth.login',
    input_summary: null,
    result: entry.ok ? 'ok' : 'error',
    error: entry.error,
    ip: entry.ip,
    created_at: entry.now,
  })
}

/** An action by someone who is not an admin user (an employee on the H5 page, the platform through a callback). */
export async function writeActorAudit(
  deps: Pick<Deps, 'db' | 'clock'>,
  entry: { orgId: number; actor: string; action: string; input: unknown; ok: boolean; error?: string | null; ip: string },
): Promise<void> {
  await insertAuditEntry(deps.db, {
    org_id: entry.orgId,
    user_id: null,
    username: entry.actor.slice(0, 64),
    action: entry.action,
    input_summary: summarizeInput(entry.input),
    result: entry.ok ? 'ok' : 'error',
    error: entry.error ? entry.error.slice(0, 500) : null,
    ip: entry.ip,
    created_at: deps.clock.now(),
  })
}
