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

const OA_HINTS: Record<number, string> = {
  [-1]: '微信系统繁忙，请稍后重试',
  40001: 'AppSecret 不正确，或 access_token 无效/不是最新的',
  40002: 'grant_type 不正确，应为 client_credential',
  40003: 'openid 不正确（可能属于另一个公众号）',
  40008: '消息类型不正确',
  40013: '公众号 AppID 不正确',
  40014: 'access_token 无效',
  40029: '网页授权 code 无效或已过期（有效期 5 分钟）',
  40036: '模板 ID 长度不正确',
  40037: '模板 ID 不正确或不属于该公众号',
  40039: '模板消息跳转链接过长',
  40125: 'AppSecret 不正确，请在公众平台核对',
  40163: '网页授权 code 已被使用（常见于重复跳转或刷新页面）',
  40164: '服务器出口 IP 不在公众号 IP 白名单中，请在公众平台「基本配置」添加',
  40241: '同一消息 60 秒内重复发送',
  40243: 'AppSecret 已被冻结',
  40246: '模板关键词列表为空或含未知关键词',
  40247: '需使用类目模板（旧版模板已不能添加）',
  40249: '消息内容含违规或营销内容，已被拦截',
  41001: '缺少 access_token',
  41002: '缺少 appid',
  41004: '缺少 secret',
  42001: 'access_token 已过期',
  40016: '菜单的一级按钮个数不合法（应为 1–3 个）',
  40017: '菜单按钮类型或链接不合法',
  40018: '菜单按钮名称过长（一级菜单最多 16 字节，子菜单 40 字节）',
  40019: '菜单按钮的 key 过长（最多 128 字节）',
  40023: '子菜单按钮个数不合法（每个一级菜单最多 5 个）',
  43002: '需要使用 POST 请求',
  43004: '接收人未关注公众号',
  43116: '该模板已被封禁，请更换模板',
  43117: '向该用户发送消息过于频繁',
  45009: '接口今日调用次数已达上限（可在公众平台清零）',
  45011: '接口调用过于频繁（分钟级限额），请稍后再试',
  46003: '公众号尚未设置自定义菜单',
  47001: '数据格式错误',
  47003: '模板参数不符合规则（例如 thing 超过 20 字、phrase 超过 5 个汉字、character_string 含中文）',
  48001: '公众号没有该接口权限（需认证服务号）',
}

export function platformHint(platform: PlatformName, errcode: number): string {
  if (platform === 'wecom') return WECOM_HINTS[errcode] ?? `企业微信返回错误码 ${errcode}`
  if (platform === 'oa') return OA_HINTS[errcode] ?? `公众号返回错误码 ${errcode}`
  return `平台返回错误码 ${errcode}`
}

export class PlatformError extends Error {
  readonly hint: string
  /** Set on a rate-limit refusal that surfaced instead of being waited out: when the call may be tried again. */
  retryAfterMs?: number
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
const OA_CALLER_CODES = new Set([40003, 40029, 40036, 40037, 40039, 40163, 40249, 43004, 43116, 47001, 47003])

/** The platform refused this request as such: sending it again unchanged cannot succeed. */
export function isCallerError(err: PlatformError): boolean {
  // SmsError is declared further down; by then every call site runs, so the reference is safe.
  if (err instanceof SmsError) return err.kind !== 'platform' && err.kind !== 'rate_limited'
  if (err.platform === 'oa') return OA_CALLER_CODES.has(err.errcode)
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

// ---- Tencent Cloud SMS (API 2021-01-11) ----
// Its codes are strings (LimitExceeded.PhoneNumberThirtySecondLimit), per request (Response.Error) or per number
// (SendStatusSet[].Code). PlatformError's errcode is numeric for the WeChat platforms, so an SMS refusal is an SmsError:
// errcode -1, the string in `code`, and the hint chosen by that string.

const SMS_HINTS: Record<string, string> = {
  'LimitExceeded.PhoneNumberThirtySecondLimit': '发送过于频繁，请 30 秒后再试',
  'LimitExceeded.PhoneNumberOneHourLimit': '该手机号 1 小时内收到的短信已达上限，请 1 小时后再试',
  'LimitExceeded.PhoneNumberDailyLimit': '该手机号今天收到的短信已达上限，请明天再试',
  'LimitExceeded.PhoneNumberSameContentDailyLimit': '该手机号今天已收到过相同内容的短信，请明天再试',
  'LimitExceeded.DeliveryFrequencyLimit': '短信发送过于频繁，请稍后再试',
  RequestLimitExceeded: '短信接口调用过于频繁，请稍后再试',
  'LimitExceeded.AppDailyLimit': '今天的短信发送量已达上限，请联系管理员',
  'LimitExceeded.PhoneNumberCountLimit': '一次最多发送给 200 个手机号',
  'InvalidParameterValue.IncorrectPhoneNumber': '手机号格式不正确，请检查后重新输入',
  'FailedOperation.PhoneNumberInBlacklist': '该手机号已退订短信或被列入黑名单，收不到验证码，请联系管理员',
  'FailedOperation.ContainSensitiveWord': '短信内容含有敏感词，请联系管理员修改模板',
  'FailedOperation.TemplateIncorrectOrUnapproved': '短信模板不存在或未通过审核，请联系管理员检查短信配置',
  'FailedOperation.SignatureIncorrectOrUnapproved': '短信签名不正确或未通过审核，请联系管理员检查短信配置',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': '短信参数个数与模板变量个数不符，请联系管理员检查短信模板',
  'InvalidParameterValue.TemplateParameterFormatError': '验证码格式不符合模板要求（最多 6 位数字），请联系管理员',
  'InvalidParameterValue.TemplateParameterLengthLimit': '短信参数超过模板允许的长度，请联系管理员',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter': '短信参数中不能含有链接，请联系管理员',
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail': '短信应用 SmsSdkAppId 不正确或不属于该账号，请联系管理员检查短信配置',
  'UnauthorizedOperation.RequestIpNotInWhitelist': '服务器 IP 不在短信接口白名单中，请联系管理员',
  'UnauthorizedOperation.ServiceSuspendDueToArrears': '短信服务因欠费已暂停，请联系管理员',
  'AuthFailure.SignatureFailure': '短信 SecretKey 不正确，请联系管理员检查短信配置',
  'AuthFailure.SecretIdNotFound': '短信 SecretId 不存在，请联系管理员检查短信配置',
  'AuthFailure.InvalidSecretId': '短信 SecretId 格式不正确，请联系管理员检查短信配置',
  'AuthFailure.SignatureExpire': '服务器时间与腾讯云相差超过 5 分钟，请联系管理员校准服务器时间',
  UnsupportedRegion: '短信地域配置不正确，请联系管理员检查短信配置',
}

export function smsHint(code: string): string {
  return SMS_HINTS[code] ?? `短信平台返回错误 ${code}，请稍后重试或联系管理员`
}

/**
 * What an SMS refusal asks for: 'rate_limited' — wait (retryAfterSec when the wait is known); 'invalid_phone' — the
 * employee enters another number; 'config' — the admin fixes keys, app, signature or template (retrying cannot help);
 * 'platform' — Tencent's side, worth a later retry.
 */
export type SmsErrorKind = 'rate_limited' | 'invalid_phone' | 'config' | 'platform'

const SMS_RATE_LIMITS: Record<string, number | null> = {
  'LimitExceeded.PhoneNumberThirtySecondLimit': 30,
  'LimitExceeded.PhoneNumberOneHourLimit': 3600,
  'LimitExceeded.PhoneNumberDailyLimit': null,
  'LimitExceeded.PhoneNumberSameContentDailyLimit': null,
  'LimitExceeded.DeliveryFrequencyLimit': null,
  RequestLimitExceeded: 1,
}
const SMS_INVALID_PHONE = new Set(['InvalidParameterValue.IncorrectPhoneNumber', 'FailedOperation.PhoneNumberInBlacklist'])
const SMS_CONFIG_PREFIXES = ['AuthFailure.', 'UnauthorizedOperation.', 'UnsupportedRegion']
const SMS_CONFIG_CODES = new Set([
  'LimitExceeded.AppDailyLimit',
  'LimitExceeded.PhoneNumberCountLimit',
  'FailedOperation.ContainSensitiveWord',
  'FailedOperation.TemplateIncorrectOrUnapproved',
  'FailedOperation.SignatureIncorrectOrUnapproved',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
  'InvalidParameterValue.TemplateParameterFormatError',
  'InvalidParameterValue.TemplateParameterLengthLimit',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter',
])

export function smsErrorKind(code: string): SmsErrorKind {
  if (code in SMS_RATE_LIMITS) return 'rate_limited'
  if (SMS_INVALID_PHONE.has(code)) return 'invalid_phone'
  if (SMS_CONFIG_CODES.has(code) || SMS_CONFIG_PREFIXES.some((p) => code.startsWith(p))) return 'config'
  return 'platform'
}

export class SmsError extends PlatformError {
  declare readonly hint: string
  readonly kind: SmsErrorKind
  /** seconds to wait before the same send can succeed, when the rule says */
  readonly retryAfterSec: number | null
  constructor(
    endpoint: string,
    /** the platform's code, e.g. 'LimitExceeded.PhoneNumberDailyLimit' */
    readonly code: string,
    errmsg: string,
    readonly requestId: string,
    /** the number a per-number code is about; undefined for whole-request errors */
    readonly phone?: string,
  ) {
    super('sms', endpoint, -1, errmsg)
    this.hint = smsHint(code)
    this.message = `${endpoint}: ${code} ${this.hint}`
    this.kind = smsErrorKind(code)
    this.retryAfterSec = SMS_RATE_LIMITS[code] ?? null
  }
}
