// sns/oauth2/access_token response: the user's openid behind an H5 OAuth code.
import { z } from 'zod'
import { withOaBase } from './types'

export const OAuthAccessTokenResponse = withOaBase({
  /** A user-level token, not the account's access token. */
  access_token: z.string().min(1),
  expires_in: z.number(),
  refresh_token: z.string(),
  openid: z.string().min(1),
  scope: z.string(),
  unionid: z.string().optional(),
  /** 1: a snapshot-page virtual user; never bind such an openid. */
  is_snapshotuser: z.number().optional(),
})
export type OAuthAccessTokenResponse = z.infer<typeof OAuthAccessTokenResponse>
