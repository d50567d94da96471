// The contact way behind an event's State, cached for a few seconds: every add event of a scan burst reads the same row.
import type { DB } from '../../db/database'
import { OrgReadCache } from '../../lib/org-read-cache'
import { findContactWayByState } from './contact-ways.repository'
import type { ContactWayRow } from './contact-ways.table'

const byState = new OrgReadCache<ContactWayRow | undefined>()

/** The org's way with this state. A miss is not kept: a way created a moment ago (here or elsewhere) must attribute at once. */
export function cachedContactWayByState(db: DB, orgId: number, state: string): Promise<ContactWayRow | undefined> {
  return byState.get(
    db,
    orgId,
    state,
    () => findContactWayByState(db, orgId, state),
    (row) => row !== undefined,
  )
}

/** After a way of the org was changed or deleted in this process. */
export function forgetCachedContactWays(db: DB, orgId: number): void {
  byState.forgetOrg(db, orgId)
}
