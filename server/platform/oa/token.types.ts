// stable_token request and response.
import { z } from 'zod'
import { withOaBase } from './types'

export interface StableTokenRequest {
  grant_type: 'client_credential'
  appid: string
  secret: string
  /** true invalidates the previous token; the platform allows it ≤ 20/day, ≥ 30 s apart. */
  force_refresh: boolean
}

export const StableTokenResponse = withOaBase({ access_token: z.string().min(1), expires_in: z.number().positive() })
export type StableTokenResponse = z.infer<typeof StableTokenResponse>
