// Chinese names for what the admin sees by code: tRPC procedures (audit actions), scheduled jobs, queue kinds, job result fields, customer fields.

/** Every query procedure of the app router (never audited; named for completeness and error logs). */
export const QUERY_LABELS: Record<string, string> = {
  'auth.me': '查看当前用户',
  'orgs.list': '查看机构列表',
  'orgs.options': '查看机构选项',
  'users.list': '查看用户列表',
  'audit.list': '查看审计日志',
  'queue.stats': '查看队列统计',
  'queue.list': '查看队列任务',
  'jobs.list': '查看定时任务',
  'jobs.runs': '查看任务执行记录',
  'wecomConfig.get': '查看企业微信配置',
  'wecomConfig.generateAesKey': '生成回调 EncodingAESKey',
  'wecomConfig.staff': '查看企业微信成员',
  'customers.list': '查看客户列表',
  'dashboard.overview': '查看概览',
  'customers.get': '查看客户详情',
  'customers.timeline': '查看客户时间线',
  'customers.tagBatchStatus': '查看批量标签进度',
  'customers.channels': '查看客户渠道',
  'customers.syncStatus': '查看客户同步状态',
  'tags.list': '查看标签',
  'contactWays.list': '查看联系我列表',
  'contactWays.get': '查看联系我详情',
  'contactWays.stats': '查看联系我统计',
  'contactWays.presets': '查看渠道预设',
  'employees.bindingQr': '查看员工绑定二维码',
  'employees.list': '查看员工列表',
  'employees.wecomCandidates': '查看可导入的企业微信成员',
  'employees.exportCsv': '导出员工',
  'lostCustomers.list': '查看流失客户',
  'lostCustomers.exportCsv': '导出流失客户',
  'lostCustomers.alertSetting': '查看流失提醒设置',
  'oaConfig.get': '查看公众号配置',
  'oaConfig.templates': '查看公众号模板',
  'oaConfig.menu': '查看公众号菜单',
  'oaConfig.generateAesKey': '生成公众号 EncodingAESKey',
  'oaConfig.platformGet': '查看平台公众号配置',
  'oaConfig.platformTemplates': '查看平台公众号模板',
  'smsConfig.get': '查看短信配置',
  'h5.me': '员工页面：查看绑定',
  'h5.jsConfig': '员工页面：获取 JS-SDK 配置',
  'notify.settings': '查看通知设置',
  'notify.preview': '预览通知',
  'notify.records': '查看通知记录',
  'notify.inbox': '查看站内消息',
  'notify.unread': '查看未读消息数',
  'notify.announcements': '查看公告',
  'pushConfigs.list': '查看推送配置',
  'pushConfigs.get': '查看推送配置详情',
  'leads.list': '查看线索',
  'apiKeys.list': '查看 API 密钥',
  'broadcasts.list': '查看群发列表',
  'broadcasts.get': '查看群发详情',
  'broadcasts.targets': '查看群发对象',
  'broadcasts.preview': '预览群发',
  'broadcasts.conversion': '查看群发转化',
  'broadcasts.settings': '查看群发设置',
  'welcomeTemplates.list': '查看欢迎语',
  'broadcastRules.list': '查看自动群发规则',
  'broadcastRules.birthday': '查看客户生日',
}

/** Every mutation procedure: what the audit log records as its action. A server test fails when one is missing. */
export const MUTATION_LABELS: Record<string, string> = {
  'auth.login': '登录',
  'auth.logout': '退出登录',
  'auth.switchOrg': '切换机构',
  'auth.changePassword': '修改密码',
  'orgs.create': '新建机构',
  'orgs.update': '修改机构',
  'users.create': '新建用户',
  'users.update': '修改用户',
  'users.resetPassword': '重置密码',
  'queue.retry': '重试队列任务',
  'queue.retryAllDead': '重试全部失败任务',
  'jobs.runNow': '立即执行定时任务',
  'wecomConfig.save': '保存企业微信配置',
  'wecomConfig.test': '测试企业微信连接',
  'customers.updateRemark': '修改客户备注',
  'customers.updateTags': '修改客户标签',
  'customers.tagBatch': '批量修改客户标签',
  'customers.syncNow': '立即同步客户',
  'customers.syncSettings': '修改客户同步设置',
  'tags.refresh': '从企业微信刷新标签',
  'tags.createGroup': '新建标签组',
  'tags.addTags': '添加标签',
  'tags.rename': '重命名标签',
  'tags.remove': '删除标签',
  'contactWays.create': '新建联系我',
  'contactWays.update': '修改联系我',
  'contactWays.remove': '删除联系我',
  'contactWays.closeTempChat': '结束临时会话',
  'contactWays.simulateScan': '模拟扫码',
  'employees.create': '新建员工',
  'employees.update': '修改员工',
  'employees.remove': '删除员工',
  'employees.unbind': '解除员工绑定',
  'employees.importFromWecom': '从企业微信导入员工',
  'employees.importCsv': '导入员工（CSV）',
  'lostCustomers.saveAlertSetting': '保存流失提醒设置',
  'oaConfig.save': '保存公众号配置',
  'oaConfig.test': '测试公众号连接',
  'oaConfig.setMenu': '设置公众号菜单',
  'oaConfig.platformSave': '保存平台公众号配置',
  'oaConfig.platformTest': '测试平台公众号连接',
  'smsConfig.save': '保存短信配置',
  'smsConfig.test': '测试短信发送',
  'h5.sendCode': '员工页面：发送验证码',
  'h5.bind': '员工页面：绑定',
  'h5.unbind': '员工页面：解除绑定',
  'notify.saveSettings': '保存通知设置',
  'notify.resend': '重发通知',
  'notify.markRead': '标记消息已读',
  'notify.markAllRead': '全部标记已读',
  'notify.open': '打开消息',
  'notify.publish': '发布公告',
  'pushConfigs.create': '新建推送配置',
  'pushConfigs.update': '修改推送配置',
  'pushConfigs.remove': '删除推送配置',
  'leads.setStatus': '修改线索状态',
  'leads.assign': '分配线索',
  'apiKeys.create': '新建 API 密钥',
  'apiKeys.revoke': '吊销 API 密钥',
  'ingest.simulate': '模拟推送事件',
  'broadcasts.csvTargets': '从 CSV 导入群发对象',
  'broadcasts.create': '新建群发',
  'broadcasts.update': '修改群发',
  'broadcasts.send': '发送群发',
  'broadcasts.cancel': '取消群发',
  'broadcasts.remind': '提醒成员发送群发',
  'broadcasts.refreshResults': '刷新群发结果',
  'broadcasts.simulateConfirm': '模拟成员确认群发',
  'broadcasts.uploadImage': '上传群发图片',
  'broadcasts.notifyUnconfirmed': '通知未确认的成员',
  'broadcasts.saveSettings': '保存群发设置',
  'staffMessages.send': '给成员发送消息',
  'welcomeTemplates.create': '新建欢迎语',
  'welcomeTemplates.update': '修改欢迎语',
  'welcomeTemplates.remove': '删除欢迎语',
  'welcomeTemplates.assign': '分配欢迎语',
  'broadcastRules.create': '新建自动群发规则',
  'broadcastRules.update': '修改自动群发规则',
  'broadcastRules.runNow': '立即执行自动群发规则',
  'broadcastRules.importBirthdays': '导入客户生日',
  'broadcastRules.setBirthday': '设置客户生日',
}

export const PROCEDURE_LABELS: Record<string, string> = { ...QUERY_LABELS, ...MUTATION_LABELS }

/** Audit actions that are not procedures: employees on the H5 page and platform events. */
const OTHER_AUDIT_ACTIONS: Record<string, string> = {
  'h5.rebind': '员工页面：换绑',
  'oa.unsubscribe': '粉丝取消关注公众号',
}

/** Every action the audit log can hold, for its column and its filter. */
export const AUDIT_ACTION_LABELS: Record<string, string> = { ...MUTATION_LABELS, ...OTHER_AUDIT_ACTIONS }

/** Every scheduled job by its stable name, plus the per-org customer sync runs recorded under their own name. */
export const JOB_LABELS: Record<string, string> = {
  'purge-queue': '清理已完成的后台任务',
  'refresh-tokens': '刷新企业微信访问令牌',
  'sync-customers': '同步企业微信客户与标签（各机构在设定的时间）',
  'customer-sync': '客户同步（单个机构）',
  'notify-daily': '每日通知（余额不足、账户到期）',
  'broadcasts-start-due': '发送到期的定时群发',
  'broadcasts-poll-results': '拉取群发发送结果',
  'broadcast-rules': '自动群发规则',
  'lost-digest': '流失客户每日汇总',
}

/** Every queue kind a worker registers. */
export const QUEUE_KIND_LABELS: Record<string, string> = {
  'wecom.callback': '企业微信回调事件',
  'oa.callback': '公众号回调事件',
  'notify.event': '通知事件',
  'notify.deliver': '发送通知',
  'notify.events': '通知事件（批量）',
  'notify.deliver-batch': '批量发送通知',
  'notify.announce': '发布公告',
  'broadcast.dispatch': '提交群发',
  'customers.tag-batch-item': '批量标签（单个客户）',
  'wecom.welcome': '发送欢迎语',
  'lost-customers.sync-notice': '同步发现的流失客户提醒',
}

interface ResultField {
  label: string
  unit?: string
  /** ms: a duration; flag: 1/0 as 是/否 */
  as?: 'ms' | 'flag'
}

/** The counters jobs return as their run summary. */
export const RESULT_FIELD_LABELS: Record<string, ResultField> = {
  orgs: { label: '机构', unit: '个' },
  failedOrgs: { label: '失败', unit: '个' },
  busyOrgs: { label: '正在同步', unit: '个' },
  relations: { label: '客户关系', unit: '条' },
  created: { label: '新增', unit: '条' },
  updated: { label: '更新', unit: '条' },
  unchanged: { label: '未变', unit: '条' },
  lost: { label: '流失', unit: '条' },
  staff: { label: '成员', unit: '人' },
  customersCreated: { label: '新客户', unit: '个' },
  pages: { label: '分页', unit: '页' },
  errors: { label: '错误', unit: '个' },
  durationMs: { label: '耗时', as: 'ms' },
  resumed: { label: '断点续传', as: 'flag' },
  queueJobs: { label: '清理队列任务', unit: '个' },
  jobRuns: { label: '清理执行记录', unit: '条' },
  loginAttempts: { label: '清理登录记录', unit: '条' },
  smsCodes: { label: '清理验证码', unit: '条' },
  ingestEvents: { label: '清理外呼事件', unit: '条' },
  due: { label: '待刷新', unit: '个' },
  refreshed: { label: '已刷新', unit: '个' },
  failed: { label: '失败', unit: '个' },
  started: { label: '开始发送', unit: '个' },
  broadcasts: { label: '群发', unit: '个' },
  rules: { label: '规则', unit: '条' },
  sent: { label: '已发送', unit: '条' },
  lowBalance: { label: '余额不足提醒', unit: '条' },
  expiry: { label: '到期提醒', unit: '条' },
}

function fieldValue(f: ResultField, v: unknown): string {
  if (f.as === 'flag') return v ? '是' : '否'
  if (f.as === 'ms' && typeof v === 'number') return v < 1000 ? `${v} 毫秒` : `${(v / 1000).toFixed(1)} 秒`
  return f.unit ? `${String(v)} ${f.unit}` : String(v)
}

/** A run's summary as 「label value」 parts: {orgs: 1, failedOrgs: 0} → 机构 1 个 / 失败 0 个; an unknown field keeps its value, unnamed. */
export function jobSummaryParts(summary: Record<string, unknown> | null | undefined): string[] {
  if (!summary) return []
  return Object.entries(summary).map(([k, v]) => {
    const f = RESULT_FIELD_LABELS[k]
    const value = typeof v === 'object' && v !== null ? JSON.stringify(v) : v
    return f ? `${f.label} ${fieldValue(f, value)}` : `其他 ${String(value)}`
  })
}

/** The same in one line: 「机构 1 个，失败 0 个」. */
export function formatJobSummary(summary: Record<string, unknown> | null | undefined): string {
  return jobSummaryParts(summary).join('，')
}

export const auditActionLabel = (action: string): string => AUDIT_ACTION_LABELS[action] ?? PROCEDURE_LABELS[action] ?? '其他操作'
export const jobLabel = (name: string): string => JOB_LABELS[name] ?? '其他任务'
export const queueKindLabel = (kind: string): string => QUEUE_KIND_LABELS[kind] ?? '其他任务'

/** Customer fields the drawer shows: the Chinese label, with the raw id beside it as copyable secondary text. */
export const CUSTOMER_FIELD_LABELS: Record<string, string> = {
  external_userid: '外部联系人 ID',
  externalUserid: '外部联系人 ID',
  unionid: '微信 UnionID',
  openid: '公众号 OpenID',
  userid: '成员账号',
  follow_userid: '跟进成员',
  remark: '备注',
  description: '描述',
  remark_mobiles: '备注手机号',
  corp_name: '企业名称',
  add_way: '添加方式',
  state: '渠道参数',
  createtime: '添加时间',
}
