// Template placeholders: `{{thing1.DATA}}` in a template's content → its keys and the value rule each key's prefix implies.

export type TemplateKeyType =
  | 'thing'
  | 'short_thing'
  | 'number'
  | 'letter'
  | 'symbol'
  | 'character_string'
  | 'time'
  | 'date'
  | 'amount'
  | 'phone_number'
  | 'car_number'
  | 'name'
  | 'phrase'
  | 'const'
  /** Legacy templates' keywordN: any text, shown folded after 20 characters. */
  | 'keyword'
  /** first / remark: accepted but no longer displayed (since 2023-05-04). */
  | 'first'
  | 'remark'
  | 'unknown'

export interface TemplateKey {
  key: string
  type: TemplateKeyType
}

// Longest first, so short_thing is not read as thing and phone_number not as number.
const PREFIXES: TemplateKeyType[] = [
  'character_string',
  'phone_number',
  'short_thing',
  'car_number',
  'keyword',
  'amount',
  'number',
  'letter',
  'symbol',
  'phrase',
  'thing',
  'const',
  'time',
  'date',
  'name',
]

/** The rule a key follows, from its name: the prefix before the digits. */
export function templateKeyType(key: string): TemplateKeyType {
  if (key === 'first' || key === 'remark') return key
  const m = /^([a-z_]+?)(\d+)$/.exec(key)
  if (!m) return 'unknown'
  const prefix = m[1]
  return PREFIXES.find((p) => p === prefix) ?? 'unknown'
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\.DATA\s*\}\}/g

/** Each distinct key once, in the order the content first names it. */
export function parseTemplateKeys(content: string): TemplateKey[] {
  const seen = new Set<string>()
  const keys: TemplateKey[] = []
  for (const m of content.matchAll(PLACEHOLDER)) {
    const key = m[1]
    if (seen.has(key)) continue
    seen.add(key)
    keys.push({ key, type: templateKeyType(key) })
  }
  return keys
}

/** A template with keywordN keys is a legacy one: no per-type checks, values folded after 20 characters. */
export function isLegacyTemplate(keys: TemplateKey[]): boolean {
  return keys.some((k) => k.type === 'keyword')
}
