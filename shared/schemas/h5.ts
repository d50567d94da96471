// The staff H5 binding page's inputs and views (the page imports only the types, so zod stays out of its bundle).
import { z } from 'zod'
import { employeeMobile } from './employee'

export const SMS_CODE_LENGTH = 6

export const h5SendCodeInput = z.object({ mobile: employeeMobile })
export type H5SendCodeInput = z.input<typeof h5SendCodeInput>

export const h5BindInput = z.object({
  mobile: employeeMobile,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, '请输入 6 位数字验证码'),
})
export type H5BindInput = z.input<typeof h5BindInput>

export const h5JsConfigInput = z.object({ url: z.string().max(1000) })

export interface H5BoundEmployee {
  name: string
  mobileMasked: string
  boundAt: number
}

export interface H5MeView {
  orgName: string
  /** null: the platform could not be asked just now. */
  subscribed: boolean | null
  /** The org's follow QR as a PNG data URL, shown while not following. */
  followQr: string | null
  accountName: string
  employee: H5BoundEmployee | null
}

export interface H5CodeSent {
  mobileMasked: string
  expiresInSec: number
  resendAfterSec: number
}

export interface H5JsConfig {
  appId: string
  timestamp: number
  nonceStr: string
  signature: string
}
