// CSV export helpers shared by the admin exports: formula-safe cells and Beijing-time timestamps.
/** A cell Excel would run as a formula is prefixed with ' (CSV injection). */
export const safeCell = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v)

/** `YYYY-MM-DD HH:mm:ss` in Beijing time (UTC+8, no DST). */
export function shanghaiTime(ms: number): string {
  const d = new Date(ms + 8 * 3600_000)
  return d.toISOString().slice(0, 19).replace('T', ' ')
}
