// Chinese date-time formatting for the epoch-millisecond timestamps every procedure returns.
import { relativeTime, timeUntil } from '../../../shared/time-words'

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

/** "3 分钟前" / "2 小时后" relative to now, 刚刚 within a minute either way (clock skew); '—' for null. */
export function formatRelative(ms: number | null | undefined, now = Date.now()): string {
  return relativeTime(ms, now)
}

/** For times meant to be ahead (next run, expiry): 「1 分钟内」 when that close. */
export function formatUntil(ms: number | null | undefined, now = Date.now()): string {
  return timeUntil(ms, now)
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
