// Parametric QR codes: scanning one follows the account (subscribe with EventKey qrscene_…) or sends SCAN.
import type { OaCall } from './call'
import { OaPaths } from './paths'
import { CreateQrcodeResponse, type CreateQrcodeRequest } from './qrcode.types'

export function qrcodeApi(call: OaCall) {
  return {
    create: (req: CreateQrcodeRequest) => call({ method: 'POST', path: OaPaths.Qrcode.create, body: req, schema: CreateQrcodeResponse }),
  }
}
