// Writes and lists audit entries; input summaries never contain secrets.
import type { Deps } from '../../deps'
import type { SessionUser } from '../auth/auth.service'
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
