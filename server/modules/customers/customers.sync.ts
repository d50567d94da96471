// Per-org customer sync (Flow 2): resumable passes over batch/get_by_user chunks, checkpointed per page, under a heartbeat lease.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Deps } from '../../deps'
import { releaseLease, renewLease, tryAcquireLease } from '../../db/lease'
import { writeTransaction } from '../../db/transaction'
import { dialectOf } from '../../db/dialect'
import { ConflictError } from '../../lib/errors'
import { PlatformError } from '../../platform/errors'
import { TransportFailure } from '../../platform/http'
import type { BatchGetByUserResponse } from '../../platform/wecom/external-contact.types'
import { SOURCE_TAG_GROUP, sourceTagName } from '../../../shared/schemas/contact-way'
import { finishJobRun, insertJobRun, setJobRunProgress } from '../../jobs/jobs.repository'
import { syncCorpTags } from '../tags/tags.service'
import { syncStaff } from '../wecom-config/wecom-config.service'
import { markFollowsLost } from './customers.repository'
import { queueSyncLostNotices } from '../lost-customers/lost-customers.service'
import { importExternalWays } from './customers.sync-ways'
import { writeSyncPage, type AttributedWay, type PageContext, type PageResult } from './customers.sync-page'
import {
  advanceSyncChunk,
  deleteSyncScratch,
  ensureSyncSettings,
  findActiveFollowsBefore,
  findLatestSucceededSyncRun,
  findLatestSyncRun,
  findSeenFollowIds,
  findSyncRun,
  findSyncChunks,
  findWaysForAttribution,
  findWecomTagRefs,
  insertSeenFollows,
  insertSyncChunks,
  insertSyncRun,
  setSyncRun,
  sumSyncChunks,
} from './customer-sync.repository'
import type { CustomerSyncRunRow } from './customers.table'

/** batch/get_by_user takes at most 100 members per call and 100 rows per page. */
export const USERS_PER_CALL = 100
const PAGE_LIMIT = 100
/** Pages a chunk may queue for the SQLite writer ahead of their commit; a crash refetches at most this + 1 per chunk. */
export const SQLITE_WRITE_AHEAD = 3
/** Pages one SQLite commit takes at most (every chunk's queued pages). */
const MAX_PAGES_PER_COMMIT = 16
/** The job_runs name of per-org runs (the 任务 page lists them with their org). */
export const ORG_SYNC_JOB = 'customer-sync'
/** A pass older than this is not resumed: its member list and seen log are too stale to finish it honestly. */
const RESUME_WITHIN_MS = 24 * 3600_000
/** Allowed difference between our clock (a CRM-made code's created_at) and WeCom's createtime. */
const CLOCK_SKEW_MS = 5_000

export const orgSyncLease = (orgId: number) => `customer-sync:${orgId}`

export interface SyncOptions {
  trigger?: 'scheduled' | 'manual'
  /** Chunks fetched at once (default deps.config.syncConcurrency). */
  concurrency?: number
  /** Members per batch/get_by_user call, at most 100 (the default); tests use fewer to get several chunks. */
  usersPerCall?: number
  /** Lease lifetime; renewed every third of it, so a dead runner's pass is taken over within one TTL (default 15 s). */
  leaseTtlMs?: number
  signal?: AbortSignal
  /**
   * Fault injection (tests, bench): called after each committed page; returning true abandons the run the way a
   * killed process does — no status written, the lease left to expire.
   */
  crashAfterPage?: (pagesThisAttempt: number) => boolean
  /** Called with relations done / estimated total as pages commit. */
  onProgress?: (done: number, total: number) => void
}

export interface SyncResult {
  runId: number
  staff: number
  relations: number
  created: number
  updated: number
  unchanged: number
  lost: number
  customersCreated: number
  pages: number
  /** The pass continued one that a dead or failed runner left. */
  resumed: boolean
  durationMs: number
  errors: number
}

/** Thrown out of a run abandoned by crashAfterPage; nothing is cleaned up, as after kill -9. */
export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash')
    this.name = 'SimulatedCrash'
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function transient(err: unknown): boolean {
  if (err instanceof PlatformError) return err.errcode === -1 || err.errcode === 45009 || err.errcode === 45033
  return err instanceof TransportFailure && err.retryable
}

/** One pass (or the rest of an unfinished one) for one org, awaited. */
export async function runOrgSync(deps: Deps, orgId: number, opts: SyncOptions = {}): Promise<SyncResult> {
  return (await startOrgSync(deps, orgId, opts)).finished
}

/**
 * Takes the org's lease and starts the pass without waiting for it. Refused with ConflictError while another runner,
 * on any instance, holds the lease: that is what keeps one run per org.
 */
export async function startOrgSync(deps: Deps, orgId: number, opts: SyncOptions = {}): Promise<{ finished: Promise<SyncResult> }> {
  const ttl = opts.leaseTtlMs ?? 15_000
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`.slice(0, 64)
  const lease = orgSyncLease(orgId)
  if (!(await tryAcquireLease(deps.db, lease, owner, ttl, deps.clock.now())))
    throw new ConflictError('本机构的客户同步正在进行中，请等它结束后再试')
  return { finished: passUnderLease(deps, orgId, opts, lease, owner, ttl) }
}

async function passUnderLease(
  deps: Deps,
  orgId: number,
  opts: SyncOptions,
  lease: string,
  owner: string,
  ttl: number,
): Promise<SyncResult> {
  const db = deps.db
  const t0 = deps.clock.now()
  const abort = new AbortController()
  opts.signal?.addEventListener('abort', () => abort.abort(opts.signal!.reason))
  let runId: number | null = null
  let jobRunId: number | null = null
  const beat = setInterval(
    () => {
      const now = deps.clock.now()
      renewLease(db, lease, owner, ttl, now)
        .then(async (held) => {
          if (!held) abort.abort(new Error('同步租约已失效'))
          else if (runId !== null) await setSyncRun(db, runId, { heartbeat_at: now })
        })
        .catch((err) => deps.log.warn({ err, orgId }, 'renewing the customer sync lease failed'))
    },
    Math.max(200, Math.floor(ttl / 3)),
  )
  beat.unref()
  let crashed = false
  try {
    await ensureSyncSettings(db, orgId, t0)
    const prev = await findLatestSyncRun(db, orgId)
    let run: CustomerSyncRunRow | undefined
    const resumable = prev && prev.status !== 'succeeded' && Number(prev.started_at) > t0 - RESUME_WITHIN_MS ? prev : undefined
    if (prev && prev.status !== 'succeeded' && !resumable) {
      await setSyncRun(db, prev.id, { status: 'failed', error: prev.error ?? '已过期，未续跑', finished_at: prev.finished_at ?? t0 })
      await deleteSyncScratch(db, prev.id)
    }
    const client = await deps.wecom.for(orgId)
    const lastGood = await findLatestSucceededSyncRun(db, orgId)
    const estimate = lastGood ? (await sumSyncChunks(db, lastGood.id)).relations : 0
    jobRunId = await insertJobRun(
      db,
      {
        jobName: ORG_SYNC_JOB,
        tickKey: `org:${orgId}:${t0}:${randomBytes(3).toString('hex')}`,
        trigger: opts.trigger ?? 'manual',
        instance: `${hostname()}:${process.pid}`.slice(0, 48),
        startedAt: t0,
        orgId,
      },
      false,
    )
    let userids: string[]
    // A resumed pass keeps the chunking it started with.
    const concurrency = Math.max(1, opts.concurrency ?? deps.config.syncConcurrency)
    let perCall = USERS_PER_CALL
    if (resumable) {
      run = resumable
      userids = JSON.parse(run.userids) as string[]
      perCall = Number(run.users_per_call)
      // The dead attempt's job_runs row would read 运行中 forever.
      if (run.job_run_id != null)
        await finishJobRun(db, run.job_run_id, {
          status: 'failed',
          finishedAt: t0,
          error: run.error ?? '运行所在的实例已中断，已由下一次运行续跑',
        })
      await setSyncRun(db, run.id, {
        status: 'running',
        resumed: Number(run.resumed) + 1,
        job_run_id: jobRunId,
        heartbeat_at: t0,
        error: null,
      })
    } else {
      userids = (await client.externalContact.getFollowUserList()).follow_user
      // Each chunk is one cursor walked page by page, so fewer chunks than workers leaves workers idle: split the
      // members into at least `concurrency` chunks (≤ 100 each). Costs at most one partial page per extra chunk.
      perCall = Math.min(USERS_PER_CALL, Math.max(1, opts.usersPerCall ?? Math.ceil(userids.length / concurrency)))
      const id = await insertSyncRun(db, {
        org_id: orgId,
        job_run_id: jobRunId,
        trigger: opts.trigger ?? 'manual',
        status: 'running',
        userids: JSON.stringify(userids),
        chunks: Math.ceil(userids.length / perCall),
        users_per_call: perCall,
        relations_estimate: estimate,
        started_at: t0,
        heartbeat_at: t0,
        finished_at: null,
        error: null,
      })
      await insertSyncChunks(db, id, Math.ceil(userids.length / perCall))
      run = (await findSyncRun(db, orgId, id))!
    }
    runId = run.id
    const passStart = Number(run.started_at)
    // Staff names are not needed to write pages, so their user/get calls run beside the page walk; a failure there
    // stops the pass like a failed page. The tag mirror and the imported ways are needed first, but not each other.
    const staffDone = syncStaff(deps, orgId, userids).catch((err: unknown) => {
      if (!abort.signal.aborted) abort.abort(err)
      throw err
    })
    staffDone.catch(() => {})
    await Promise.all([syncCorpTags(deps, orgId), importExternalWays(deps, orgId)])

    // Attribution table: state → ways with the time from which they could have brought a customer.
    const ways = await findWaysForAttribution(db, orgId)
    const byState = new Map<string, { id: number; from: number; tag: AttributedWay['sourceTag'] }[]>()
    const fromOf = new Map<number, number>()
    for (const w of ways) {
      const from = Number(w.created_at) - (w.external ? 0 : CLOCK_SKEW_MS)
      fromOf.set(w.id, from)
      const state = w.external ? w.wecom_state : w.state
      if (!state) continue
      const list = byState.get(state) ?? []
      list.push({ id: w.id, from, tag: { group: SOURCE_TAG_GROUP, name: sourceTagName(w.channel_name) } })
      byState.set(state, list)
    }
    for (const list of byState.values()) list.sort((a, b) => b.from - a.from)
    let tagRefs = await findWecomTagRefs(db, orgId)
    let tagRefresh: Promise<void> | null = null
    const ctxBase: Omit<PageContext, 'now'> = {
      orgId,
      attribute(state, createtimeMs) {
        const hit = byState.get(state)?.find((w) => w.from <= createtimeMs)
        return hit ? { id: hit.id, sourceTag: hit.tag } : null
      },
      wayExistedAt(wayId, createtimeMs) {
        const from = fromOf.get(wayId)
        return from === undefined || from <= createtimeMs
      },
      tagRefs(tagIds) {
        const refs: number[] = []
        const unknown: string[] = []
        for (const id of tagIds) {
          const ref = tagRefs.get(id)
          if (ref === undefined) unknown.push(id)
          else refs.push(ref)
        }
        return { refs, unknown }
      },
    }
    // A tag WeCom shows that the mirror lacks: one refresh per run, shared by every chunk that meets one.
    const ensureTags = async (page: BatchGetByUserResponse) => {
      if (tagRefresh) return tagRefresh
      if (!page.external_contact_list.some((r) => (r.follow_info.tag_id ?? []).some((id) => !tagRefs.has(id)))) return
      tagRefresh = (async () => {
        await syncCorpTags(deps, orgId)
        tagRefs = await findWecomTagRefs(db, orgId)
      })()
      return tagRefresh
    }

    const chunkRows = await findSyncChunks(db, run.id)
    let relationsDone = chunkRows.reduce((n, c) => n + Number(c.relations), 0)
    let pagesThisAttempt = 0
    let customersCreated = 0
    let errors = Number(run.errors)
    const pending = chunkRows.filter((c) => !Number(c.done))

    const fetchPage = async (userid_list: string[], cursor: string | null): Promise<BatchGetByUserResponse> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await client.externalContact.batchGetByUser({ userid_list, cursor: cursor ?? undefined, limit: PAGE_LIMIT })
        } catch (err) {
          // The client already retried; a page that still fails waits a little longer here before the run gives up.
          if (!transient(err) || attempt >= 4) throw err
          errors++
          await sleep(Math.min(8_000, 250 * 2 ** attempt))
        }
      }
    }
    // Group commit: pages that arrive while a write transaction runs are written together in the next one, each with
    // its own checkpoint, so a crash still keeps a page's rows and its cursor both or neither. SQLite pays mostly per
    // commit (the WAL write of every touched page) and has one writer anyway: one writer, and each chunk may queue a
    // few pages ahead, written in order. MySQL keeps one writer per worker (its commits run in parallel) and one page
    // per chunk at a time, so a chunk's checkpoints cannot commit out of order.
    const single = dialectOf(db) === 'sqlite'
    const maxWriters = single ? 1 : concurrency
    const writeAhead = single ? SQLITE_WRITE_AHEAD : 1
    interface QueuedPage {
      chunk: number
      page: BatchGetByUserResponse
      next: string | null
      done: (r: PageResult) => void
      fail: (e: unknown) => void
    }
    const queue: QueuedPage[] = []
    let writersBusy = 0
    let progressWrittenAt = 0
    /** Bookkeeping of a committed page, in commit order; a simulated crash here stops every later write. */
    const committed = (item: QueuedPage, r: PageResult) => {
      customersCreated += r.customersCreated
      relationsDone += item.page.external_contact_list.length
      pagesThisAttempt++
      const total = Math.max(estimate, relationsDone)
      opts.onProgress?.(relationsDone, total)
      if (jobRunId !== null && performance.now() - progressWrittenAt >= 500) {
        progressWrittenAt = performance.now()
        void setJobRunProgress(db, jobRunId, relationsDone, total).catch(() => {})
      }
      if (opts.crashAfterPage?.(pagesThisAttempt)) {
        crashed = true
        throw new SimulatedCrash()
      }
    }
    const drain = async () => {
      writersBusy++
      try {
        while (queue.length > 0) {
          // better-sqlite3 runs a whole transaction without letting the event loop in, so the pages fetched meanwhile
          // are still unread responses: let them in first, or every commit would take just the page that started it.
          if (single) await new Promise<void>((r) => setImmediate(r))
          const batch = queue.splice(0, single ? MAX_PAGES_PER_COMMIT : 1)
          // A killed process writes nothing more.
          if (crashed) {
            for (const b of batch) b.fail(new SimulatedCrash())
            continue
          }
          let results: PageResult[]
          try {
            const now = deps.clock.now()
            results = await writeTransaction(db, async (trx) => {
              const out: PageResult[] = []
              for (const { chunk, page, next } of batch) {
                const written = await writeSyncPage(trx, { ...ctxBase, now }, page.external_contact_list)
                await insertSeenFollows(trx, run.id, written.followIds)
                await advanceSyncChunk(trx, run.id, chunk, {
                  cursor: next,
                  relations: page.external_contact_list.length,
                  created: written.created,
                  updated: written.updated,
                  unchanged: written.unchanged,
                })
                out.push(written)
              }
              return out
            })
          } catch (err) {
            for (const b of batch) b.fail(err)
            continue
          }
          batch.forEach((b, i) => {
            try {
              if (crashed) throw new SimulatedCrash()
              committed(b, results[i])
              b.done(results[i])
            } catch (err) {
              b.fail(err)
            }
          })
        }
      } finally {
        writersBusy--
      }
    }
    const writePage = (chunk: number, page: BatchGetByUserResponse, next: string | null) => {
      const written = new Promise<PageResult>((done, fail) => {
        queue.push({ chunk, page, next, done, fail })
        if (writersBusy < maxWriters) void drain()
      })
      // Awaited later by the chunk; a failure meanwhile must not count as unhandled.
      written.catch(() => {})
      return written
    }
    const walkChunk = async (chunk: number, startCursor: string | null) => {
      const userid_list = userids.slice(chunk * perCall, (chunk + 1) * perCall)
      let pending: Promise<BatchGetByUserResponse> = fetchPage(userid_list, startCursor)
      const unwritten: Promise<PageResult>[] = []
      for (;;) {
        if (abort.signal.aborted) throw abort.signal.reason
        const page = await pending
        await ensureTags(page)
        const next = page.next_cursor || null
        // The next page is fetched while this one waits for the writer: round trips and writes overlap. A crash loses
        // only the pages fetched but not committed (at most writeAhead + 1 per chunk), which the resumed chunk asks for again.
        if (next) {
          pending = fetchPage(userid_list, next)
          pending.catch(() => {})
        }
        unwritten.push(writePage(chunk, page, next))
        if (!next) {
          await Promise.all(unwritten)
          return
        }
        while (unwritten.length >= writeAhead) await unwritten.shift()
      }
    }

    // Bounded concurrency: `concurrency` workers take the next pending chunk until none is left.
    let nextIndex = 0
    let failure: unknown = null
    await Promise.all(
      Array.from({ length: Math.min(concurrency, pending.length) }, async () => {
        while (failure === null && nextIndex < pending.length) {
          const c = pending[nextIndex++]
          try {
            await walkChunk(c.chunk, c.cursor)
          } catch (err) {
            failure ??= err
            // The other chunks stop at their next page, as they would with the process gone.
            if (!abort.signal.aborted) abort.abort(err)
          }
        }
      }),
    )
    if (failure !== null) throw failure
    const staff = await staffDone

    // The pass is complete: every relation WeCom listed is in the seen log, across resumed attempts.
    const seen = await findSeenFollowIds(db, run.id)
    const stale = (await findActiveFollowsBefore(db, orgId, passStart)).filter((f) => !seen.has(f.id))
    const lostAt = deps.clock.now()
    // The org's lost-customer alert applies to these as to a del_follow_user callback: the notices are queued in the
    // transaction that marks the relations, so they go out exactly when the marking commits, even across a crash.
    if (stale.length > 0)
      await writeTransaction(db, async (trx) =>
        queueSyncLostNotices(deps, trx, orgId, run.id, await markFollowsLost(trx, orgId, stale, lostAt)),
      )
    const sums = await sumSyncChunks(db, run.id)
    const finishedAt = deps.clock.now()
    await setSyncRun(db, run.id, { status: 'succeeded', lost: stale.length, errors, finished_at: finishedAt, heartbeat_at: finishedAt })
    await deleteSyncScratch(db, run.id)
    const result: SyncResult = {
      runId: run.id,
      staff,
      relations: sums.relations,
      created: sums.created,
      updated: sums.updated,
      unchanged: sums.unchanged,
      lost: stale.length,
      customersCreated,
      pages: sums.pages,
      resumed: !!resumable,
      durationMs: finishedAt - passStart,
      errors,
    }
    if (jobRunId !== null) {
      const { runId: _r, resumed, ...counts } = result
      await finishJobRun(db, jobRunId, {
        status: 'succeeded',
        finishedAt,
        summary: JSON.stringify({ ...counts, resumed: resumed ? 1 : 0 }),
        progress: { done: sums.relations, total: sums.relations },
      })
    }
    return result
  } catch (err) {
    if (crashed) throw err
    const now = deps.clock.now()
    const message = err instanceof Error ? err.message : String(err)
    // Failed, not finished: the checkpoint stays, and the next run continues from it.
    if (runId !== null) await setSyncRun(db, runId, { status: 'failed', error: message.slice(0, 2000), finished_at: now }).catch(() => {})
    if (jobRunId !== null)
      await finishJobRun(db, jobRunId, { status: 'failed', finishedAt: now, error: message.slice(0, 2000) }).catch(() => {})
    throw err
  } finally {
    clearInterval(beat)
    if (!crashed) await releaseLease(db, lease, owner, deps.clock.now()).catch(() => {})
  }
}
