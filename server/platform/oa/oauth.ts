// H5 web OAuth: the code the authorize page redirected with → openid. Authenticated by appid + secret, not the access token.
import type { OaCall } from './call'
import { OAuthAccessTokenResponse } from './oauth.types'
import { OaPaths } from './paths'

export function oauthApi(call: OaCall, appId: string, secret: string) {
  return {
    /**
     * The code is single-use and valid 5 min (40029 unknown, 40163 already used), so an unclear failure is not
     * repeated: the repeat could only return 40163.
     */
    exchangeCode: (code: string) =>
      call({
        method: 'GET',
        path: OaPaths.OAuth.accessToken,
        query: { appid: appId, secret, code, grant_type: 'authorization_code' },
        auth: false,
        once: true,
        schema: OAuthAccessTokenResponse,
      }),
  }
}
