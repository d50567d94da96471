// One platform callback endpoint: credentials by key → the platform's envelope → per-org store → ack; WeCom and the Official Account differ only in what they pass in.
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
import { RefusalCounts } from './refusal-counts'
import type { XmlObject } from '../../platform/xml'
import { CallbackRefused } from '../../platform/callback-envelope'
import { CallbackStore } from './callback-store'

/** Real envelopes are well under 4 KB; nothing larger reaches the XML parser before its signature is checked. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024

/** An opened event: whose it is (null: an account shared by several orgs, not yet attributable) and what it says. */
export interface OpenedEvent {
  orgId: number | null
  plaintext: string
  doc: XmlObject
  dedupeKey?: string
}

export interface CallbackEndpointSpec<C> {
  source: 'wecom' | 'oa'
  /** e.g. '/api/wework/callback'; the key is the next path segment. */
  prefix: string
  credentials: { get(key: string): Promise<C | null> }
  /** Checks and decrypts a POSTed envelope; throws CallbackRefused for anything not the platform's. */
  open(creds: C, query: CallbackQuery, body: string, nowMs: number): OpenedEvent
  /** URL verification: the echostr to answer with. */
  echo(creds: C, query: CallbackQuery, nowMs: number): string
  /** The orgs an event of a shared account belongs to (orgId null); none: acknowledged and not stored. */
  attribute?(doc: XmlObject): Promise<number[]>
  /** A passive reply instead of 'success' (given once the event is stored). */
  reply?(creds: C, doc: XmlObject, query: CallbackQuery, orgIds: readonly number[]): Promise<string | undefined>
}

/**
 * One per platform and process: the credential cache, the group-commit store and the refusal log are shared by the
 * Express routes (GET URL verification, and POST wherever the fast path is not installed) and the fast path. Both
 * answer POSTs through accept(), so they behave the same.
 */
export class CallbackEndpoint<C extends { orgId: number | null }> implements CallbackReceiver {
  readonly refusals: RefusalLog
  /** Refusals on an org's own URL, for 概览 (an unknown key or a shared account's URL names no org). */
  readonly orgRefusals: RefusalCounts
  private readonly store: CallbackStore
  private readonly transport: CallbackTransportOptions

  constructor(
    protected readonly deps: Deps,
    private readonly spec: CallbackEndpointSpec<C>,
    private readonly metrics?: Metrics,
  ) {
    this.refusals = new RefusalLog({ log: deps.log, clock: deps.clock, message: `${spec.source} callback refused` })
    this.orgRefusals = new RefusalCounts(deps, spec.source)
    this.store = new CallbackStore(
      deps,
      (stored, duplicates) => {
        if (stored > 0) this.count('stored', stored)
        if (duplicates > 0) this.count('duplicate', duplicates)
      },
      spec.source,
    )
    const route = `${spec.prefix}/:key`
    this.transport = {
      prefix: spec.prefix,
      bodyLimitBytes: CALLBACK_BODY_LIMIT_BYTES,
      observe: (status, seconds) => metrics?.httpDuration.observe({ method: 'POST', route, status: String(status) }, seconds),
    }
  }

  /** A POSTed event: refused with a 4xx storing nothing, 500 on our own failure (the platform retries), else stored and 'success'. */
  async accept(key: string, query: CallbackQuery, body: string): Promise<CallbackAnswer> {
    let c: C | null = null
    try {
      c = await this.spec.credentials.get(key)
      if (!c) throw new CallbackRefused(404, 'unknown callback key')
      const { orgId, plaintext, doc, dedupeKey } = this.spec.open(c, query, body, this.deps.clock.now())
      // A platform account shared by orgs: the event's QR scene or the fan's bindings say whose it is, if anyone's.
      const orgIds = orgId !== null ? [orgId] : ((await this.spec.attribute?.(doc)) ?? [])
      if (orgIds.length === 0) this.count('unassigned')
      // Answered only once the event (and its job, unless the org is disabled) is committed: an ack promises nothing is lost.
      for (const id of orgIds) await this.store.store({ orgId: id, plaintext, doc, dedupeKey })
      const reply = await this.spec.reply?.(c, doc, query, orgIds)
      return { status: 200, text: reply ?? 'success' }
    } catch (err) {
      if (err instanceof CallbackRefused && c?.orgId != null) this.orgRefusals.note(c.orgId)
      return this.refusal(err, key)
    }
  }

  /** URL verification (GET): the echostr, bare. */
  async verify(key: string, query: CallbackQuery): Promise<CallbackAnswer> {
    try {
      const c = await this.spec.credentials.get(key)
      if (!c) throw new CallbackRefused(404, 'unknown callback key')
      const text = this.spec.echo(c, query, this.deps.clock.now())
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
    this.deps.log.error({ err, source: this.spec.source }, 'callback failed')
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
    this.metrics?.callbacks.inc({ source: this.spec.source, result }, n)
  }

  private refusal(err: unknown, key: string): CallbackAnswer {
    if (err instanceof CallbackRefused) {
      this.refused(key, err.status, err.message)
      return { status: err.status, text: err.status === 404 ? 'unknown callback' : 'refused' }
    }
    // Our own failure before the event was stored: a non-200 makes the platform retry, so nothing is lost.
    this.count('error')
    this.deps.log.error({ err, source: this.spec.source }, 'callback failed before it was stored')
    return { status: 500, text: 'error' }
  }
}
