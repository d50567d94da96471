// Fans: whether an openid follows the account (user/info).
import type { OaCall } from './call'
import { OaPaths } from './paths'
import { UserInfoResponse } from './user.types'

export function userApi(call: OaCall) {
  return {
    /** subscribe 0 → not following; 40003 → the openid belongs to another AppID. */
    info: (openid: string) => call({ method: 'GET', path: OaPaths.User.info, query: { openid, lang: 'zh_CN' }, schema: UserInfoResponse }),
  }
}
