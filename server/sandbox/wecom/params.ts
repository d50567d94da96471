// Request-field readers for the emulated API: lenient where WeCom is (numeric strings), strict on limits.
import { WecomError, invalidParam } from '../errors'

export type Body = Record<string, unknown>

export function optString(body: Body, name: string): string | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  if (typeof v === 'number') return String(v)
  throw invalidParam(`field \`${name}\` must be a string`)
}

/** A required string; empty counts as missing. */
export function reqString(body: Body, name: string, missingCode = 40058): string {
  const v = optString(body, name)
  if (v === undefined || v === '') throw new WecomError(missingCode, `missing field \`${name}\``)
  return v
}

export function optInt(body: Body, name: string): number | undefined {
  const v = body[name]
  if (v === undefined || v === null || v === '') return undefined
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n)) throw invalidParam(`field \`${name}\` must be an integer`)
  return n
}

export function optBool(body: Body, name: string): boolean | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v === 'boolean') return v
  if (v === 1 || v === '1' || v === 'true') return true
  if (v === 0 || v === '0' || v === 'false') return false
  throw invalidParam(`field \`${name}\` must be a bool`)
}

export function optStringArray(body: Body, name: string): string[] | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidParam(`field \`${name}\` must be an array of strings`)
  return v as string[]
}

export function optIntArray(body: Body, name: string): number[] | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw invalidParam(`field \`${name}\` must be an array of integers`)
  return v.map((x) => {
    const n = typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : NaN
    if (!Number.isInteger(n)) throw invalidParam(`field \`${name}\` must be an array of integers`)
    return n
  })
}

export function optObject(body: Body, name: string): Body | undefined {
  const v = body[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParam(`field \`${name}\` must be an object`)
  return v as Body
}

/** Characters as a person counts them (code points), which is what WeCom's "≤ 30 字" limits mean. */
export function charLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdbff) n++
  }
  return n
}

export function maxChars(value: string | undefined, max: number, name: string): void {
  if (value !== undefined && charLength(value) > max) throw invalidParam(`field \`${name}\` exceed max length ${max}`)
}

export function maxBytes(value: string | undefined, max: number, name: string): void {
  if (value !== undefined && Buffer.byteLength(value) > max) throw invalidParam(`field \`${name}\` exceed max size ${max} bytes`)
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character (message/send truncates, not rejects). */
export function truncateBytes(value: string, max: number): string {
  if (Buffer.byteLength(value) <= max) return value
  let out = ''
  let bytes = 0
  for (const ch of value) {
    const b = Buffer.byteLength(ch)
    if (bytes + b > max) break
    out += ch
    bytes += b
  }
  return out
}

/** Opaque cursors: base64url of a tagged list of integers, so a stale or foreign cursor is rejected, not misread. */
export function encodeCursor(tag: string, parts: number[]): string {
  return Buffer.from(`${tag}:${parts.join('.')}`).toString('base64url')
}

export function decodeCursor(cursor: string | undefined, tag: string, arity: number): number[] | null {
  if (!cursor) return null
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const m = text.startsWith(`${tag}:`) ? text.slice(tag.length + 1).split('.') : []
  const nums = m.map(Number)
  if (nums.length !== arity || nums.some((n) => !Number.isInteger(n) || n < 0)) throw invalidParam('invalid cursor')
  return nums
}

/** WeCom userids: 1–64 of letters, digits, '_', '-', '.', '@'. */
const USERID_RE = /^[A-Za-z0-9_.@-]{1,64}$/

export function checkUseridFormat(userid: string): void {
  if (!USERID_RE.test(userid)) throw new WecomError(40003, `userid \`${userid}\``)
}
