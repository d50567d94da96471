// The local mirrors of a contact way's WeCom tag ids, cached for a few seconds: every add event through the way asks for them.
import type { DB } from '../../db/database'
import { OrgReadCache } from '../../lib/org-read-cache'
import { findKnownWecomTags } from './tags.repository'

type KnownTags = Awaited<ReturnType<typeof findKnownWecomTags>>
const known = new OrgReadCache<KnownTags>()

/**
 * findKnownWecomTags through the cache. Kept only when every id is mirrored: a tag that appears here (a sync, a
 * callback, another instance) must be used at once; every tag write in this process drops the org's entries.
 */
export function cachedKnownWecomTags(db: DB, orgId: number, tagIds: readonly string[]): Promise<KnownTags> {
  const ids = [...new Set(tagIds)].sort()
  return known.get(
    db,
    orgId,
    ids.join('\u0001'),
    () => findKnownWecomTags(db, orgId, ids),
    (rows) => rows.length === ids.length,
  )
}

/** After the org's tag mirror changed in this process. */
export function forgetCachedTags(db: DB, orgId: number): void {
  known.forgetOrg(db, orgId)
}
