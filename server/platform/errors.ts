// Platform API errors: errcode, errmsg, endpoint and a Chinese explanation for the admin.
export type PlatformName = 'wecom' | 'oa' | 'sms'

const WECOM_HINTS: Record<number, string> = {
  [-1]: '系统繁忙，请稍后重试',
  40001: 'Secret 不正确或已失效，请检查应用 Secret',
  40003: '成员 UserID 不正确',
  40013: '企业 CorpID 不正确',
  40014: 'access_token 无效',
  40029: 'OAuth code 无效或已使用',
  40058: '参数不符合接口要求（例如列表超长）',
  40063: '参数为空',
  40091: 'Secret 不属于该企业',
  40093: 'jsapi_ticket 不正确',
  40096: '外部联系人 external_userid 不正确',
  41001: '缺少 access_token',
  41002: '缺少 corpid',
  41004: '缺少 secret',
  41006: '缺少 media_id',
  41008: '缺少 OAuth code',
  41009: '缺少 userid',
  41011: '缺少 agentid',
  41016: '缺少标题',
  41033: '缺少描述',
  41037: '缺少联系方式类型 type',
  41051: '欢迎语 welcome_code 已被使用或客户已开始聊天',
  42001: 'access_token 已过期',
  45009: '接口调用频率超限，请稍后再试',
  45033: '接口并发调用超限',
  48002: '该应用无权调用此接口，请在「客户联系 - 可调用接口的应用」中配置',
  50001: '跳转域名不是应用的可信域名',
  60011: '没有该成员/部门/标签的权限（不在应用可见范围）',
  60020: '服务器 IP 不在企业可信 IP 白名单中',
  60111: '成员 UserID 不存在',
  81013: '接收人全部无效或无权限',
  84061: '该成员与客户不存在好友关系',
  84074: '没有外部联系人权限',
}

export function platformHint(platform: PlatformName, errcode: number): string {
  if (platform === 'wecom') return WECOM_HINTS[errcode] ?? `企业微信返回错误码 ${errcode}`
  return `平台返回错误码 ${errcode}`
}

export class PlatformError extends Error {
  readonly hint: string
  constructor(
    readonly platform: PlatformName,
    readonly endpoint: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    const hint = platformHint(platform, errcode)
    super(`${endpoint}: ${errcode} ${hint}`)
    this.hint = hint
  }
}

/** Codes the admin can fix by changing the request (wrong id, no relation, duplicate name…); the rest are the platform's side. */
const CALLER_CODES = new Set([40003, 40058, 40063, 40068, 40071, 40096, 41009, 60111, 84061])

/** The platform refused this request as such: sending it again unchanged cannot succeed. */
export function isCallerError(err: PlatformError): boolean {
  return err.platform === 'wecom' && CALLER_CODES.has(err.errcode)
}

/** The request never got a platform answer (network error, timeout, non-JSON or 5xx). */
export class PlatformTransportError extends Error {
  constructor(
    readonly platform: PlatformName,
    readonly endpoint: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${endpoint}: ${message}`)
  }
}
