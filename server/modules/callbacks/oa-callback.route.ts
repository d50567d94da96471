// The Official Account callback endpoint /api/wechat/callback/<key>: account by key → OA envelope (plain, compatible, safe) → per-org store → ack.
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
import { oaEcho, openOaMessage } from '../../platform/oa/callback'
import { CallbackRefused } from '../../platform/wecom/callback'
import { OaCallbackCredentialCache } from '../oa-config/oa-callback-credentials'
import { CALLBACK_BODY_LIMIT_BYTES } from './callback.route'
import { CallbackStore } from './callback-store'

export const OA_CALLBACK_PREFIX = '/api/wechat/callback'
const ROUTE = `${OA_CALLBACK_PREFIX}/:key`

/** As WecomCallbackReceiver: one per process, shared by the Express routes and the fast path; the same limits. */
export class OaCallbackReceiver implements CallbackReceiver {
  readonly creds: OaCallbackCredentialCache
  readonly refusals: RefusalLog
  private readonly store: CallbackStore
  private readonly transport: CallbackTransportOptions

  constructor(
    private readonly deps: Deps,
    private readonly metrics?: Metrics,
  ) {
    this.creds = new OaCallbackCredentialCache(deps.db, deps.secrets, () => deps.clock.now())
    this.refusals = new RefusalLog({ log: deps.log, clock: deps.clock, message: 'oa callback refused' })
    this.store = new CallbackStore(
      deps,
      (stored, duplicates) => {
        if (stored > 0) this.count('stored', stored)
        if (duplicates > 0) this.count('duplicate', duplicates)
      },
      'oa',
    )
    this.transport = {
      prefix: OA_CALLBACK_PREFIX,
      bodyLimitBytes: CALLBACK_BODY_LIMIT_BYTES,
      observe: (status, seconds) => metrics?.httpDuration.observe({ method: 'POST', route: ROUTE, status: String(status) }, seconds),
    }
  }

  /** 4xx storing nothing; 500 on our own failure (the platform retries); else stored and 'success'. */
  async accept(key: string, query: CallbackQuery, body: string): Promise<CallbackAnswer> {
    try {
      const c = await this.creds.get(key)
      if (!c) throw new CallbackRefused(404, 'unknown callback key')
      const { plaintext, doc, dedupeKey } = openOaMessage(c, query, body, this.deps.clock.now())
      if (c.orgId === null) {
        // The platform's account is shared: which org a fan belongs to is known only once employees are bound.
        this.count('unassigned')
        return { status: 200, text: 'success' }
      }
      await this.store.store({ orgId: c.orgId, plaintext, doc, dedupeKey })
      return { status: 200, text: 'success' }
    } catch (err) {
      return this.refusal(err, key)
    }
  }

  /** URL verification (GET): echostr, bare, when the plain signature matches. */
  async verify(key: string, query: CallbackQuery): Promise<CallbackAnswer> {
    try {
      const c = await this.creds.get(key)
      if (!c) throw new CallbackRefused(404, 'unknown callback key')
      const text = oaEcho(c, query, this.deps.clock.now())
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
    this.deps.log.error({ err }, 'oa callback failed')
  }

  router(): Router {
    return callbackRouter(this, this.transport)
  }

  fastPath(): FastPath {
    return callbackFastPath(this, this.transport)
  }

  private count(result: string, n = 1): void {
    this.metrics?.callbacks.inc({ source: 'oa', result }, n)
  }

  private refusal(err: unknown, key: string): CallbackAnswer {
    if (err instanceof CallbackRefused) {
      this.refused(key, err.status, err.message)
      return { status: err.status, text: err.status === 404 ? 'unknown callback' : 'refused' }
    }
    this.count('error')
    this.deps.log.error({ err }, 'oa callback failed before it was stored')
    return { status: 500, text: 'error' }
  }
}
