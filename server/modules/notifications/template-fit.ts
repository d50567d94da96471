// Template message data for a scene: which key gets which variable (default, suggested, configured) and each value fitted to its key's rule.
import { parseTemplateKeys, isLegacyTemplate, type TemplateKey, type TemplateKeyType } from '../../platform/oa/template-keys'
import type { KeyMapping, Scene, SceneVar } from '../../../shared/schemas/notify'
import { beijingDate, beijingDateTime, yuan, type SceneTexts, type SceneVars } from './scene-texts'

/** The variables each scene can fill a key with (literal and none always). */
export const SCENE_AVAILABLE: Record<Scene, SceneVar[]> = {
  intent: ['title', 'content', 'time', 'customer_phone', 'customer_name', 'level', 'org_name', 'serial'],
  task_complete: ['title', 'content', 'time', 'total', 'batch_time', 'org_name', 'customer_name', 'serial'],
  unanswered_run: ['title', 'content', 'time', 'org_name', 'customer_name', 'serial'],
  line_error: ['title', 'content', 'time', 'org_name', 'customer_name', 'serial'],
  announcement: ['title', 'content', 'time', 'org_name', 'customer_name', 'serial'],
  low_balance: ['title', 'content', 'time', 'balance', 'threshold', 'org_name', 'customer_name', 'serial'],
  recharge: ['title', 'content', 'time', 'balance', 'amount', 'org_name', 'customer_name', 'serial'],
  expiry: ['title', 'content', 'time', 'expiry_date', 'org_name', 'customer_name', 'serial'],
}

/** The seeds' legacy template: first, keyword1 客户名称, keyword2 消息类型, keyword3 推送内容, keyword4 通知时间, remark. */
const LEGACY_DEFAULT: Record<string, SceneVar> = {
  first: 'title',
  keyword1: 'customer_name',
  keyword2: 'title',
  keyword3: 'content',
  keyword4: 'time',
  remark: 'none',
}

/** For a category template: per key type, the variables worth trying, best first. */
const BY_TYPE: Partial<Record<TemplateKeyType, SceneVar[]>> = {
  thing: ['title', 'customer_name', 'org_name', 'content'],
  short_thing: ['title', 'customer_name', 'org_name'],
  name: ['customer_name', 'org_name'],
  phrase: ['level', 'title'],
  time: ['time', 'batch_time'],
  date: ['expiry_date', 'time'],
  character_string: ['customer_phone', 'serial'],
  phone_number: ['customer_phone'],
  amount: ['balance', 'amount', 'threshold'],
  number: ['total', 'balance', 'amount'],
}

/** The mapping used when the admin set none: the legacy default, or one suggested by key type. */
export function suggestedMapping(scene: Scene, keys: TemplateKey[]): Record<string, KeyMapping> {
  const available = SCENE_AVAILABLE[scene]
  const out: Record<string, KeyMapping> = {}
  if (isLegacyTemplate(keys)) {
    for (const { key } of keys) out[key] = { var: LEGACY_DEFAULT[key] ?? 'none' }
    return out
  }
  const used = new Set<SceneVar>()
  for (const { key, type } of keys) {
    if (type === 'first' || type === 'remark') {
      out[key] = { var: 'none' }
      continue
    }
    // A phrase (5 汉字) may repeat the message type shown elsewhere: there is rarely anything else that short.
    const pick = (BY_TYPE[type] ?? BY_TYPE.thing!).find((v) => available.includes(v) && (type === 'phrase' || !used.has(v)))
    if (pick && type !== 'phrase') used.add(pick)
    out[key] = { var: pick ?? 'none' }
  }
  return out
}

interface Raw {
  text: string
  ms?: number
  money?: number
  count?: number
}

function resolve(m: KeyMapping, v: SceneVars, texts: SceneTexts): Raw | null {
  switch (m.var) {
    case 'none':
      return null
    case 'literal':
      return m.text ? { text: m.text } : null
    case 'org_name':
      return { text: v.org_name }
    case 'title':
      return { text: texts.wxTitle }
    case 'content':
      return { text: texts.wxContent }
    case 'time':
      return { text: beijingDateTime(v.time), ms: v.time }
    case 'customer_phone':
      return v.customer_phone ? { text: v.customer_phone } : null
    case 'customer_name':
      // System scenes are about the org itself: the seeds put its name where the customer's would be.
      return { text: v.customer_name || v.org_name }
    case 'level':
      return v.level ? { text: `${v.level}类意向` } : null
    case 'balance':
    case 'threshold':
    case 'amount': {
      const n = v[m.var]
      return n === undefined ? null : { text: `￥${yuan(n)}`, money: n }
    }
    case 'expiry_date':
      return v.expiry_at === undefined ? null : { text: beijingDate(v.expiry_at), ms: v.expiry_at }
    case 'total':
      return v.total === undefined ? null : { text: String(v.total), count: v.total }
    case 'batch_time':
      return v.batch_at === undefined ? null : { text: beijingDateTime(v.batch_at), ms: v.batch_at }
    case 'serial':
      return v.serial ? { text: v.serial } : null
  }
}

const HAN = /\p{Script=Han}/u
const CONTROL = /\p{Cc}/gu
const chars = (s: string) => [...s]
/** At most n characters; a cut value ends in "…" so the reader sees something is missing. */
function ellipsis(s: string, n: number): string {
  const c = chars(s)
  return c.length <= n ? s : `${c.slice(0, n - 1).join('')}…`
}

export interface FittedValue {
  value: string
  /** Why the value differs from what the scene had to say, or why it cannot be sent. */
  warning?: string
  /** The platform would refuse it (47003) or it says nothing: the key cannot be filled. */
  unfit?: boolean
}

/** One value made to pass its key's rule (category) or to show fully (legacy keywordN, 20 characters). */
export function fitValue(type: TemplateKeyType, raw: Raw | null): FittedValue {
  if (type === 'first' || type === 'remark') return { value: raw?.text ?? '' }
  if (!raw || raw.text === '') {
    if (type === 'keyword') return { value: '' }
    return { value: '', unfit: true, warning: '没有可填写的内容，平台会拒收（47003）' }
  }
  const text = raw.text.replace(CONTROL, ' ')
  const cut = (value: string, limit: string) => (value === text ? { value } : { value, warning: `超过${limit}，将显示为「${value}」` })
  switch (type) {
    case 'keyword':
      return cut(ellipsis(text, 20), ' 20 字')
    case 'thing':
    case 'short_thing':
    case 'unknown':
      return cut(ellipsis(text, 20), ' 20 字')
    case 'phrase': {
      const han = chars(text)
        .filter((c) => HAN.test(c))
        .join('')
      const value = chars(han).slice(0, 5).join('')
      if (!value) return { value: '', unfit: true, warning: '词组（phrase）只能是 5 个以内的汉字' }
      return value === text ? { value } : { value, warning: `词组只能是 5 个以内的汉字，将显示为「${value}」` }
    }
    case 'character_string': {
      const value = text
        .replace(/[^\x20-\x7e]/g, '')
        .trim()
        .slice(0, 32)
      if (!value) return { value: '', unfit: true, warning: '字符串（character_string）不能含中文，去掉中文后没有内容' }
      return cut(value, ' 32 位或含中文')
    }
    case 'time':
      return raw.ms !== undefined ? { value: beijingDateTime(raw.ms) } : { value: text, unfit: true, warning: '时间（time）需要一个时间值' }
    case 'date':
      return raw.ms !== undefined ? { value: beijingDate(raw.ms) } : { value: text, unfit: true, warning: '日期（date）需要一个日期值' }
    case 'amount': {
      const n = raw.money ?? Number(text.replace(/[^\d.]/g, ''))
      if (!Number.isFinite(n) || n < 0) return { value: text, unfit: true, warning: '金额（amount）需要一个金额' }
      return { value: `¥${n.toFixed(2)}` }
    }
    case 'number': {
      const n = raw.count ?? raw.money ?? Number(text.replace(/[^\d.-]/g, ''))
      return Number.isFinite(n) ? { value: String(n) } : { value: text, unfit: true, warning: '数字（number）需要一个数值' }
    }
    case 'phone_number': {
      const value = text.replace(/[^\d+\-() ]/g, '').slice(0, 17)
      return value ? cut(value, ' 17 位') : { value: '', unfit: true, warning: '电话（phone_number）只能是数字和符号' }
    }
    case 'name':
      return cut(
        HAN.test(text) ? chars(text).slice(0, 10).join('') : chars(text).slice(0, 20).join(''),
        '姓名长度（10 个汉字或 20 个字母）',
      )
    case 'letter': {
      const value = text.replace(/[^A-Za-z]/g, '').slice(0, 32)
      return value ? cut(value, ' 32 个字母') : { value: '', unfit: true, warning: '字母（letter）只能是英文字母' }
    }
    default:
      // const (enum values approved with the template), symbol, car_number: only a fixed text the admin typed can be right.
      return { value: text, warning: `${type} 类型请填写与模板审核时一致的固定文字` }
  }
}

export interface FittedKey extends FittedValue {
  key: string
  type: TemplateKeyType
  /** The template's label before the placeholder ("客户名称："), for the preview. */
  label: string
  /** first/remark: sent but no longer shown since 2023-05 (不再展示). */
  shown: boolean
  mapping: KeyMapping
}

/** The line text before each `{{key.DATA}}`. */
function labelsOf(content: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of content.split('\n')) {
    const m = /^(.*?)\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.DATA\s*\}\}/.exec(line)
    if (m) out[m[2]] = m[1].replace(/[：:]\s*$/, '')
  }
  return out
}

export interface FittedData {
  legacy: boolean
  keys: FittedKey[]
  /** What the send call carries. */
  data: Record<string, { value: string }>
  /** A category key that cannot be filled: the send would answer 47003. */
  unfit: string[]
}

export function fitTemplate(
  scene: Scene,
  content: string,
  configured: Record<string, KeyMapping>,
  v: SceneVars,
  texts: SceneTexts,
): FittedData {
  const keys = parseTemplateKeys(content)
  const legacy = isLegacyTemplate(keys)
  const suggested = suggestedMapping(scene, keys)
  const labels = labelsOf(content)
  const out: FittedKey[] = []
  const data: Record<string, { value: string }> = {}
  const unfit: string[] = []
  for (const { key, type } of keys) {
    const mapping = configured[key] ?? suggested[key] ?? { var: 'none' }
    const fitted = fitValue(type, resolve(mapping, v, texts))
    const shown = type !== 'first' && type !== 'remark'
    out.push({ key, type, label: labels[key] ?? key, shown, mapping, ...fitted })
    if (fitted.unfit) unfit.push(key)
    if (fitted.value !== '') data[key] = { value: fitted.value }
  }
  return { legacy, keys: out, data, unfit }
}
