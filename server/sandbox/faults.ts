// Fault injection for the emulated API: latency with jitter, error codes at a rate, and requests that time out.
import { Prng } from './ids'

export interface FaultRule {
  /** Endpoint name after /cgi-bin/ ('externalcontact/get'), a prefix ending in '*', or absent for every endpoint. */
  endpoint?: string
  latencyMs?: number
  jitterMs?: number
  /** 0..1: share of calls answered with one of errorCodes instead of being processed. */
  errorRate?: number
  errorCodes?: number[]
  /** 0..1: share of calls that time out. */
  timeoutRate?: number
  /**
   * 'hang': never answer and do nothing (the socket stays open until the client gives up).
   * 'delay': process the call, then answer only after timeoutAfterMs — the side effect happens
   * although the client may already have given up, which is what makes retries dangerous.
   */
  timeoutMode?: 'hang' | 'delay'
  timeoutAfterMs?: number
}

export interface FaultDecision {
  delayMs: number
  errcode?: number
  hang?: boolean
  answerAfterMs?: number
}

export const DEFAULT_FAULT_SEED = 4242

export class Faults {
  private rules: FaultRule[] = []
  private exact = new Map<string, FaultRule>()
  private prefixes: { prefix: string; rule: FaultRule }[] = []
  private global: FaultRule | undefined
  private prng = new Prng(DEFAULT_FAULT_SEED)

  /** Replaces every rule; the seed makes a faulty run reproducible. */
  set(rules: FaultRule[], seed = DEFAULT_FAULT_SEED): void {
    this.rules = rules.map((r) => ({ ...r }))
    this.exact.clear()
    this.prefixes = []
    this.global = undefined
    for (const rule of this.rules) {
      if (!rule.endpoint || rule.endpoint === '*') this.global = rule
      else if (rule.endpoint.endsWith('*')) this.prefixes.push({ prefix: rule.endpoint.slice(0, -1), rule })
      else this.exact.set(rule.endpoint, rule)
    }
    // Longest prefix first, so the most specific rule wins.
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length)
    this.prng = new Prng(seed)
  }

  clear(): void {
    this.set([])
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }))
  }

  get active(): boolean {
    return this.rules.length > 0
  }

  /** What happens to this call; null on the fast path (no rule applies). */
  decide(endpoint: string): FaultDecision | null {
    if (this.rules.length === 0) return null
    const rule = this.exact.get(endpoint) ?? this.prefixes.find((p) => endpoint.startsWith(p.prefix))?.rule ?? this.global
    if (!rule) return null
    const delayMs = Math.max(0, (rule.latencyMs ?? 0) + (rule.jitterMs ? this.prng.next() * rule.jitterMs : 0))
    if (rule.timeoutRate && this.prng.next() < rule.timeoutRate) {
      if ((rule.timeoutMode ?? 'hang') === 'hang') return { delayMs, hang: true }
      return { delayMs, answerAfterMs: rule.timeoutAfterMs ?? 10_000 }
    }
    if (rule.errorRate && this.prng.next() < rule.errorRate) {
      const codes = rule.errorCodes?.length ? rule.errorCodes : [-1]
      return { delayMs, errcode: this.prng.pick(codes) }
    }
    return { delayMs }
  }
}
