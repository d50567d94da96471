// Members (通讯录 → 读取成员, doc 90196): the name behind a userid, which the customer-contact APIs never give.
import type { WecomCall } from './call'
import { WecomPaths } from './paths'
import { GetUserResponse } from './user.types'

export function userApi(call: WecomCall) {
  return {
    /**
     * Only members in the app's visible range (60011 otherwise); 60111 for an unknown userid.
     * Validated, because the name is stored and shown to admins.
     */
    get: (userid: string) => call({ method: 'GET', path: WecomPaths.User.get, query: { userid }, schema: GetUserResponse }),
  }
}
