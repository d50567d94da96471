// The org's H5 binding page URL (for the binding QR and the Official Account menu), from the configured public base URL.
import type { Deps } from '../../deps'
import { notFound } from '../../lib/errors'
import { h5EntryUrl } from '../../../shared/h5-entry'
import { findOrgWithSlug } from './orgs.repository'

export async function orgH5Entry(deps: Deps, orgId: number): Promise<{ orgName: string; url: string }> {
  const org = await findOrgWithSlug(deps.db, orgId)
  if (!org) notFound('机构', orgId)
  return { orgName: org.name, url: h5EntryUrl(deps.config.publicBaseUrl, org.slug) }
}
