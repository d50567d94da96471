// Pieces every Official Account endpoint group shares: the optional errcode/errmsg base and its extension helper.
import { z } from 'zod'

/** The OA API leaves errcode out of many successes (stable_token, user/info, sns/oauth2/access_token). */
export const OaBaseResponse = z.object({ errcode: z.number().optional(), errmsg: z.string().optional() })
export type OaBaseResponse = z.infer<typeof OaBaseResponse>

export const withOaBase = <T extends z.ZodRawShape>(shape: T) => OaBaseResponse.extend(shape)
