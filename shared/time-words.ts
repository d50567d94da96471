// Times in words for the admin: cron schedules (30 3 * * * → 每天 03:30) and relative times (3 分钟前, never 「即将」 for a past event).

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六', '日']
const pad = (n: number) => String(n).padStart(2, '0')
const isInt = (s: string, max: number) => /^\d+$/.test(s) && Number(s) <= max

/** "1", "1,3", "1-5" → the listed values; null for anything else (steps, names). */
function list(field: string, max: number): number[] | null {
  const out: number[] = []
  for (const part of field.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part)
    if (range && isInt(range[1]!, max) && isInt(range[2]!, max) && Number(range[1]) <= Number(range[2])) {
      for (let v = Number(range[1]); v <= Number(range[2]); v++) out.push(v)
    } else if (isInt(part, max)) out.push(Number(part))
    else return null
  }
  return out
}

function weekdays(field: string): string | null {
  const range = /^([0-7])-([0-7])$/.exec(field)
  if (range) return `周${WEEKDAYS[Number(range[1])]}至周${WEEKDAYS[Number(range[2])]}`
  const days = list(field, 7)
  return days ? `每周${days.map((d) => WEEKDAYS[d]).join('、')}` : null
}

/**
 * A 5-field cron expression (or 6 with a leading 0 seconds) in words: 每分钟, 每 5 分钟, 每小时整点, 每小时第 15 分,
 * 每 2 小时, 每天 03:30, 每周一 09:00, 周一至周五 09:00, 每月 1 日 08:00; 「自定义计划」 for forms it does not name.
 */
export function describeCron(expr: string): string {
  let fields = expr.trim().split(/\s+/)
  if (fields.length === 6 && fields[0] === '0') fields = fields.slice(1)
  if (fields.length !== 5) return '自定义计划'
  const [min, hour, dom, mon, dow] = fields as [string, string, string, string, string]
  const custom = '自定义计划'
  if (mon !== '*') return custom
  const everyDay = dom === '*' && dow === '*'
  if (hour === '*' && everyDay) {
    if (min === '*') return '每分钟'
    const step = /^\*\/(\d+)$/.exec(min)
    if (step) return `每 ${Number(step[1])} 分钟`
    if (isInt(min, 59)) return Number(min) === 0 ? '每小时整点' : `每小时第 ${Number(min)} 分`
    return custom
  }
  const hourStep = /^\*\/(\d+)$/.exec(hour)
  if (hourStep && everyDay && isInt(min, 59)) {
    return `每 ${Number(hourStep[1])} 小时${Number(min) === 0 ? '' : `（第 ${Number(min)} 分）`}`
  }
  const hours = list(hour, 23)
  if (!hours || !isInt(min, 59)) return custom
  const times = hours.map((h) => `${pad(h)}:${pad(Number(min))}`).join('、')
  if (everyDay) return `每天 ${times}`
  if (dom === '*') {
    const days = weekdays(dow)
    return days ? `${days} ${times}` : custom
  }
  if (dow === '*') {
    const days = list(dom, 31)
    return days && !days.includes(0) ? `每月 ${days.join('、')} 日 ${times}` : custom
  }
  return custom
}

/**
 * "3 分钟前" / "2 小时后" relative to `now`. Under a minute either way reads 刚刚: a moment "in the future" is clock skew
 * between server and browser (an event that just happened), never 「即将」.
 */
export function relativeTime(ms: number | null | undefined, now: number): string {
  if (ms == null || !Number.isFinite(ms)) return '—'
  const diff = ms - now
  const abs = Math.abs(diff)
  if (abs < 60_000) return '刚刚'
  const suffix = diff > 0 ? '后' : '前'
  if (abs < 3600_000) return `${Math.round(abs / 60_000)} 分钟${suffix}`
  if (abs < 86400_000) return `${Math.round(abs / 3600_000)} 小时${suffix}`
  return `${Math.round(abs / 86400_000)} 天${suffix}`
}

/** For a time that is meant to be ahead (next run, expiry): 「1 分钟内」 when it is that close, else as relativeTime. */
export function timeUntil(ms: number | null | undefined, now: number): string {
  if (ms == null || !Number.isFinite(ms)) return '—'
  return Math.abs(ms - now) < 60_000 ? '1 分钟内' : relativeTime(ms, now)
}
