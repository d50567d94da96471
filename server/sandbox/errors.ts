// WeCom-style errors for the emulator: errcode plus an errmsg shaped like the platform's (text, hint, doc link).

/** The platform's short English errmsg per code; programs branch on errcode, these only help a human reading logs. */
const ERRMSG: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40003: 'invalid userid',
  40004: 'invalid media type',
  40005: 'invalid file type',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40032: 'invalid userid list size',
  40056: 'invalid agentid',
  40058: 'invalid parameter',
  40063: 'empty parameter',
  40068: 'invalid tagid',
  40071: 'tag name exists',
  40072: 'invalid tag name size',
  40091: 'secret is invalid',
  40096: 'invalid external userid',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41006: 'media_id missing',
  41008: 'missing code',
  41009: 'missing userid',
  41011: 'missing agentid',
  41016: 'missing title',
  41033: 'missing description',
  41037: 'missing contact way type',
  41051: 'externaluser has started chatting',
  42001: 'access_token expired',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  48002: 'api forbidden',
  60111: 'userid not found',
  60123: 'invalid party id',
  81013: 'user & party & tag all invalid',
  84061: 'not external contact',
  84074: 'no external contact permission',
  301002: 'access_token and agentid mismatch',
}

export class WecomError extends Error {
  constructor(
    readonly errcode: number,
    readonly detail?: string,
  ) {
    super(`${errcode} ${ERRMSG[errcode] ?? 'error'}${detail ? `: ${detail}` : ''}`)
  }
}

let hintSeq = 0

/** errmsg as WeCom writes it: text, a request hint and the error-code lookup link. */
export function errmsgFor(errcode: number, detail: string | undefined, nowMs: number): string {
  hintSeq = (hintSeq + 1) % 1_000_000
  const text = `${ERRMSG[errcode] ?? 'error'}${detail ? `, ${detail}` : ''}`
  return `${text}, hint: [${Math.floor(nowMs / 1000)}_${hintSeq}_sandbox], more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`
}

/** Shorthand for the ubiquitous "invalid parameter" with the field named, as WeCom's errmsg does. */
export function invalidParam(detail: string): WecomError {
  return new WecomError(40058, detail)
}

/** A control-API failure: HTTP status plus a message meant for whoever drives the sandbox. */
export class ControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message)
  }
}
