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
  43002: '需要使用 POST 请求',
  43004: '接收人未关注公众号',
  43116: '该模板已被封禁，请更换模板',
  43117: '向该用户发送消息过于频繁',
  45009: '接口今日调用次数已达上限（可在公众平台清零）',
  45011: '接口调用过于频繁（分钟级限额），请稍后再试',
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
