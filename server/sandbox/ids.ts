// Deterministic ids: a seeded PRNG plus a counter, so seeds and ids repeat exactly from run to run.

export const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
export const HEX = '0123456789abcdef'

/** mulberry32: tiny, fast and good enough to make test data look varied; never used for secrets. */
export class Prng {
  constructor(public s: number) {}

  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]
  }

  chars(n: number, alphabet = ALNUM): string {
    let out = ''
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.next() * alphabet.length)]
    return out
  }
}

export const DEFAULT_ID_SEED = 20261121

/**
 * Ids embed a counter (so they never collide) padded with PRNG characters (so they look like the
 * platform's opaque ids). The counter and PRNG state are part of the persisted snapshot.
 */
export class IdGen {
  counter = 0
  readonly prng: Prng

  constructor(seed = DEFAULT_ID_SEED) {
    this.prng = new Prng(seed)
  }

  /** `prefix` + scrambled counter + filler, exactly `length` characters (unique for 2 billion ids). */
  next(prefix: string, length: number, alphabet = ALNUM): string {
    const n = ++this.counter
    // A bijective scramble keeps ids unique while hiding the sequence, so they look like the platform's.
    const counterPart =
      alphabet === HEX
        ? (Math.imul(n, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')
        : ((n * 1_000_003) % 36 ** 6).toString(36).padStart(6, '0')
    const fill = length - prefix.length - counterPart.length
    return prefix + counterPart + this.prng.chars(Math.max(0, fill), alphabet)
  }

  snapshot(): { counter: number; s: number } {
    return { counter: this.counter, s: this.prng.s }
  }

  restore(snap: { counter: number; s: number }): void {
    this.counter = snap.counter
    this.prng.s = snap.s
  }
}
