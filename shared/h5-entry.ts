// The staff H5 binding page's entry URL for an org: printed as the binding QR and used as the OA menu entry.
export const H5_ORG_PARAM = 'org'

/** `https://crm.example.com/h5/?org=<slug>`: the org is named by its slug so one page serves every org. */
export function h5EntryUrl(publicBaseUrl: string, orgSlug: string): string {
  return `${publicBaseUrl.replace(/\/$/, '')}/h5/?${H5_ORG_PARAM}=${encodeURIComponent(orgSlug)}`
}
