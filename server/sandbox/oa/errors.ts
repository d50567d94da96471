// OA-style errors for the emulator: errcode plus an errmsg shaped like api.weixin.qq.com's (text, then " rid: …").

const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40016: 'invalid button size',
  40017: 'invalid button type',
  40018: 'invalid button name size',
  40019: 'invalid button key size',
  40023: 'invalid sub button size',
  40029: 'invalid code',
  40037: 'invalid template_id',
  40052: 'invalid action name',
  40053: 'invalid action info',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  40163: 'code been used',
  40164: 'invalid ip, not in whitelist',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  42001: 'access_token expired',
  43004: 'require subscribe',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  46003: 'menu no exist',
  47001: 'data format error',
  47003: 'argument invalid!',
}

export class OaError extends Error {
  constructor(
    readonly errcode: number,
    readonly detail?: string,
  ) {
    super(`${errcode} ${ERRMSG[errcode] ?? 'error'}${detail ? ` ${detail}` : ''}`)
  }
}

let rid = 0

export function oaErrmsg(errcode: number, detail: string | undefined): string {
  rid = (rid + 1) % 1_000_000
  return `${ERRMSG[errcode] ?? 'error'}${detail ? ` ${detail}` : ''} rid: sandbox-${rid.toString(16).padStart(6, '0')}`
}
