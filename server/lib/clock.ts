// Injectable time source, so deadlines and "once a day" rules are tested without sleeping.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2026, 10, 21, 1, 0, 0)) {}
  now() {
    return this.t
  }
  set(ms: number) {
    this.t = ms
  }
  advance(ms: number) {
    this.t += ms
  }
}
