// What the platform checks in a category template's values, per key type; legacy templates are only folded for display.
import { parseTemplateKeys, type TemplateKey, type TemplateKeyType } from '../../platform/oa/template-keys'
import { OaError } from './errors'

const CJK = /\p{Script=Han}/u
const ONLY_CJK = /^\p{Script=Han}+$/u
const CONTROL = /\p{Cc}/u
const DATE = String.raw`\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)`
const TIME = String.raw`(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?`
const TIME_VALUE = new RegExp(String.raw`^(?:${DATE}\s*)?${TIME}$|^${DATE}$`)
const DATE_VALUE = new RegExp(String.raw`^${DATE}(?:\s*${TIME})?$`)

const len = (s: string) => [...s].length

/** One value, or two joined by `~` (a range). */
function rangeOf(value: string, single: RegExp): boolean {
  const parts = value.split('~').map((p) => p.trim())
  return parts.length <= 2 && parts.every((p) => single.test(p))
}

/** Whether the platform accepts `value` for a key of this type (category templates). */
export function valueFits(type: TemplateKeyType, value: string, constValues: string[] = []): boolean {
  switch (type) {
    case 'thing':
      return len(value) <= 20 && !CONTROL.test(value)
    case 'number':
      return value.length <= 32 && /^-?\d+(?:\.\d+)?$/.test(value)
    case 'letter':
      return /^[A-Za-z]{1,32}$/.test(value)
    case 'symbol':
      return len(value) <= 5 && !CONTROL.test(value) && !/[\p{L}\p{N}]/u.test(value)
    case 'character_string':
      return value.length <= 32 && /^[\x20-\x7e]+$/.test(value)
    case 'time':
      return rangeOf(value, TIME_VALUE)
    case 'date':
      return rangeOf(value, DATE_VALUE)
    case 'amount':
      return /^[¥￥$€£]\d{1,10}(?:\.\d{1,2})?元?$/.test(value)
    case 'phone_number':
      return value.length <= 17 && /^[\d+\-() ]+$/.test(value)
    case 'car_number': {
      const chars = [...value]
      return chars.length <= 8 && chars.every((c, i) => !CJK.test(c) || i === 0 || i === chars.length - 1) && !CONTROL.test(value)
    }
    case 'name':
      // A mix counts as Chinese: ≤ 10 then; pure letters/symbols ≤ 20.
      return CJK.test(value) ? len(value) <= 10 : len(value) <= 20 && !CONTROL.test(value)
    case 'phrase':
      return len(value) <= 5 && ONLY_CJK.test(value)
    case 'const':
      return constValues.includes(value)
    default:
      // short_thing and unknown prefixes: the limit is not published; accept what thing would.
      return len(value) <= 20 && !CONTROL.test(value)
  }
}

export interface CheckedData {
  displayed: Record<string, string>
  notDisplayed: string[]
}

/** Legacy keywordN values show at most 20 characters; the rest is folded away without an error. */
const LEGACY_SHOWN = 20
const HIDDEN: TemplateKeyType[] = ['first', 'remark']

/**
 * Checks the data against the template the way the platform does since 2023-05: 47003 naming the first key whose
 * value is empty or breaks its type's rule; first/remark accepted but not displayed.
 */
export function checkTemplateData(content: string, data: Record<string, string>, constValues: Record<string, string[]> = {}): CheckedData {
  const keys: TemplateKey[] = parseTemplateKeys(content)
  const legacy = keys.some((k) => k.type === 'keyword')
  const displayed: Record<string, string> = {}
  const notDisplayed: string[] = []
  for (const { key, type } of keys) {
    const value = data[key]
    if (HIDDEN.includes(type)) {
      if (value !== undefined) notDisplayed.push(key)
      continue
    }
    if (value === undefined || value === '') {
      if (legacy) continue
      throw new OaError(47003, `data.${key}.value is empty`)
    }
    if (legacy) {
      displayed[key] = [...value].slice(0, LEGACY_SHOWN).join('')
      continue
    }
    if (!valueFits(type, value, constValues[key])) throw new OaError(47003, `data.${key}.value invalid`)
    displayed[key] = value
  }
  return { displayed, notDisplayed }
}
