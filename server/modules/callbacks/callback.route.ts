// The WeCom callback endpoint: org credentials by key → platform envelope → store (group commit) → ack; the HTTP side is server/http/callback-transport.
import type { Router } from 'express'
import type { Deps } from '../../deps'
import {
  callbackFastPath,
  callbackRouter,
  type CallbackAnswer,
  type CallbackQuery,
  type CallbackReceiver,
  type CallbackTransportOptions,
} from '../../http/callback-transport'
import type { FastPath } from '../../http/fast-path'
import type { Metrics } from '../../http/metrics'
import { RefusalLog } from '../../http/refusal-log'
import { CallbackRefused, openEcho, openMessage } from '../../platform/wecom/callback'
import { CallbackCredentialCache } from '../wecom-config/wecom-config.repository'
import { CallbackStore } from './callback-store'

export { CALLBACK_JOB } from './callback-store'
export { CALLBACK_WINDOW_MS } from '../../platform/wecom/callback'

const PREFIX = '/api/wework/callback'
const ROUTE = `${PREFIX}/:key`
/** Real envelopes are well under 4 KB; nothing larger reaches the XML parser before its signature is checked. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024

/**
 * One receiver per process: the credential cache, the group-commit store and the refusal log are shared by the
 * Express routes (GET URL verification, and POST wherever the fast path is not installed) and the fast path. Both
 * answer POSTs through accept(), so they behave the same.
 */
export class WecomCallbackReceiver implements CallbackReceiver {
  readonly creds: CallbackCredentialCache
  readonly refusals: RefusalLog
  private readonly store: CallbackStore
  private readonly transport: CallbackTransportOptions

  constructor(
    private readonly deps: Deps,
    private readonly metrics?: Metrics,
  ) {
    this.creds = new CallbackCredentialCache(deps.db, deps.secrets, () => deps.clock.now())
    this.refusals = new RefusalLog({ log: deps.log, clock: deps.clock, message: 'wecom callback refused' })
    this.store = new CallbackStore(deps, (stored, duplicates) => {
      if (stored > 0) this.count('stored', stored)
      if (duplicates > 0) this.count('duplicate', duplicates)
    })
    this.transport = {
      prefix: PREFIX,
      bodyLimitBytes: CALLBACK_BODY_LIMIT_BYTES,
      observe: (status, seconds) => metrics?.httpDuration.observe({ method: 'POST', route: ROUTE, status: String(status) }, seconds),
    }
  }

  /** A POSTed event: refused with a 4xx storing nothing, 500 on our own failure (WeCom retries), else stored and 'success'. */
  async accept(key: string, query: CallbackQuery, body: string): Promise<CallbackAnswer> {
    try {
      const c = await this.creds.get(key)
      if (!c) throw new CallbackRefused(404, 'unknown callback key')
      const { plaintext, doc } = openMessage(c, query, body, this.deps.clock.now())
      // Answered only once the event (and its job, unless the org is disabled) is committed: an ack promises nothing is lost.
      await this.store.store({ orgId: c.orgId, plaintext, doc })
      return { status: 200, text: 'success' }
    } catch (err) {
      return this.refusal(err, key)
    }
  }

  /** URL verification (GET): the decrypted echostr, bare. */
  async verify(key: string, query: CallbackQuery): Promise<CallbackAnswer> {
    try {
      const c = await this.creds.get(key)
      if (!c) throw new CallbackRefused(404, 'unknown callback key')
      const text = openEcho(c, query, this.deps.clock.now())
      this.count('verified')
      return { status: 200, text }
    } catch (err) {
      return this.refusal(err, key)
    }
  }

  refused(key: string, status: number, reason: string): void {
    this.count(`refused_${status}`)
    this.refusals.record(key.slice(0, 8), status, reason)
  }

  failed(err: unknown): void {
    this.count('error')
    this.deps.log.error({ err }, 'wecom callback failed')
  }

  /** GET verification and POST as Express routes. */
  router(): Router {
    return callbackRouter(this, this.transport)
  }

  /** POSTs ahead of Express; production installs it with withFastPaths. */
  fastPath(): FastPath {
    return callbackFastPath(this, this.transport)
  }

  private count(result: string, n = 1): void {
    this.metrics?.callbacks.inc({ source: 'wecom', result }, n)
  }

  private refusal(err: unknown, key: string): CallbackAnswer {
    if (err instanceof CallbackRefused) {
      this.refused(key, err.status, err.message)
      return { status: err.status, text: err.status === 404 ? 'unknown callback' : 'refused' }
    }
    // Our own failure before the event was stored: a non-200 makes WeCom retry, so nothing is lost.
    this.count('error')
    this.deps.log.error({ err }, 'wecom callback failed before it was stored')
    return { status: 500, text: 'error' }
  }
}

/** The Express routes only (GET verification and POST); production also installs receiver.fastPath() ahead of Express. */
export function createWecomCallbackRouter(deps: Deps, metrics?: Metrics): Router {
  return new WecomCallbackReceiver(deps, metrics).router()
}
