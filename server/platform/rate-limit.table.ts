// Row type of the shared WeCom call budget's counters (written by rate-limiter-flexible's MySQL store, never by our SQL).
export interface RateLimitsTable {
  key: string
  points: number
  expire: number | null
}
