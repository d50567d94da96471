// OA subscribe / SCAN: a bound employee who follows (again) is marked as following, so template alerts reach them.
import { setFollowsOa } from '../../../employees/employees.repository'
import type { CallbackHandler } from '../handler'

export const fanFollowed: CallbackHandler = async ({ deps, orgId, doc }) => {
  const openid = String(doc.FromUserName ?? '')
  const n = await setFollowsOa(deps.db, orgId, openid, true, deps.clock.now())
  return n > 0 ? 'processed' : 'ignored'
}
