// How long ingest events are kept: their idempotency keys answer repeats for 90 days, then the rows go.
import type { Deps } from '../../deps'
import { listOrgOptions } from '../orgs/orgs.repository'
import { purgeIngestEventsBefore } from './ingest.repository'

/** A calling system that repeats an event later than this gets it accepted as new (documented in the README). */
export const INGEST_RETENTION_MS = 90 * 24 * 3600_000

/** Deletes every org's ingest events older than the retention; returns how many. */
export async function purgeOldIngestEvents(deps: Deps): Promise<number> {
  const before = deps.clock.now() - INGEST_RETENTION_MS
  let purged = 0
  // Per org, so each delete walks the (org_id, received_at) index instead of the whole table.
  for (const org of await listOrgOptions(deps.db)) purged += await purgeIngestEventsBefore(deps.db, org.id, before)
  return purged
}
