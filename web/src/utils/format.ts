// Chinese date-time formatting for the epoch-millisecond timestamps every procedure returns.
const pad = (n: number) => String(n).padStart(2, '0')

/** 2026-11-21 20:51:03 in the browser's time zone; '—' for null. */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** "3 分 5 秒", "1.2 秒", "—" while unfinished. */
export function formatDuration(fromMs: number | null | undefined, toMs: number | null | undefined): string {
  if (fromMs == null || toMs == null) return '—'
  const ms = Math.max(0, toMs - fromMs)
  if (ms < 1000) return `${ms} 毫秒`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} 秒`
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h ? `${h} 小时 ${m} 分` : `${m} 分 ${s % 60} 秒`
}

/** "3 分钟后" / "2 小时前" relative to now; '—' for null. */
export function formatRelative(ms: number | null | undefined, now = Date.now()): string {
  if (ms == null) return '—'
  const diff = ms - now
  const abs = Math.abs(diff)
  const suffix = diff >= 0 ? '后' : '前'
  if (abs < 60_000) return diff >= 0 ? '即将' : '刚刚'
  if (abs < 3600_000) return `${Math.round(abs / 60_000)} 分钟${suffix}`
  if (abs < 86400_000) return `${Math.round(abs / 3600_000)} 小时${suffix}`
  return `${Math.round(abs / 86400_000)} 天${suffix}`
}

/** Pretty-prints JSON text (audit input summaries, job summaries); returns the text unchanged if it is not JSON. */
export function prettyJson(text: string | null | undefined): string {
  if (!text) return ''
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
