// The success-response schema of every catalogued OA path; the sandbox's replies and the contract tests are checked against it.
import type { z } from 'zod'
import { JsapiTicketResponse } from './jsapi.types'
import { GetMenuResponse } from './menu.types'
import { OAuthAccessTokenResponse } from './oauth.types'
import type { OaPath } from './paths'
import { CreateQrcodeResponse } from './qrcode.types'
import { ListTemplatesResponse, SendTemplateResponse } from './template.types'
import { StableTokenResponse } from './token.types'
import { OaBaseResponse } from './types'
import { UserInfoResponse } from './user.types'

export const oaResponseSchemas: Record<OaPath, z.ZodType> = {
  '/cgi-bin/stable_token': StableTokenResponse,
  '/cgi-bin/template/get_all_private_template': ListTemplatesResponse,
  '/cgi-bin/message/template/send': SendTemplateResponse,
  '/cgi-bin/user/info': UserInfoResponse,
  '/cgi-bin/ticket/getticket': JsapiTicketResponse,
  '/sns/oauth2/access_token': OAuthAccessTokenResponse,
  '/cgi-bin/qrcode/create': CreateQrcodeResponse,
  '/cgi-bin/menu/create': OaBaseResponse,
  '/cgi-bin/menu/get': GetMenuResponse,
}
