// Group commit for incoming callbacks: events that arrive together are stored with their jobs in one transaction, then acked; held events of disabled orgs released.
import { createHash } from 'node:crypto'
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import type { Deps } from '../../deps'
import type { XmlObject } from '../../platform/xml'
import { findDisabledOrgIds, findEventsByDedupeKeys, insertEvents, releaseHeldEventsBySource } from './callbacks.repository'
import type { CallbackEventsTable } from './callbacks.table'
import { hasWelcome, WELCOME_JOB, type WelcomeJobPayload } from './welcome-job'

export const CALLBACK_JOB = 'wecom.callback'
/** The job of a stored Official Account event. */
export const OA_CALLBACK_JOB = 'oa.callback'
const JOB_OF_SOURCE = { wecom: CALLBACK_JOB, oa: OA_CALLBACK_JOB } as const
/** Rows per statement: well under SQLite's and MySQL's placeholder limits (15 columns a row). */
const MAX_BATCH = 200

export interface IncomingEvent {
  orgId: number
  plaintext: string
  doc: XmlObject
  /** The event's own identity where the platform gives one (OA: MsgId, or FromUserName + CreateTime + Event); else the plaintext's hash. */
  dedupeKey?: string
}

interface Waiting {
  row: Insertable<CallbackEventsTable>
  /** An add event's State and WelcomeCode, for its welcome job's payload. */
  welcome: { state: string; code: string } | null
  resolve(): void
  reject(err: unknown): void
}

const str = (v: unknown) => (typeof v === 'string' ? v : '')

/** The row of a decrypted event; dedupe_key = sha256 of the plaintext (a platform retry carries the same plaintext). */
export function eventRow(
  orgId: number,
  plaintext: string,
  doc: XmlObject,
  now: number,
  source: 'wecom' | 'oa' = 'wecom',
  dedupeKey?: string,
): Insertable<CallbackEventsTable> {
  const msgType = str(doc.MsgType)
  if (source === 'oa') {
    return {
      ...eventRow(orgId, plaintext, doc, now),
      source,
      // Hashed with the source, so an OA identity can never collide with a WeCom plaintext hash of the same org.
      dedupe_key: createHash('sha256')
        .update(`oa:${dedupeKey ?? plaintext}`)
        .digest('hex'),
      // OA's FromUserName is the fan's openid, in events and messages alike.
      userid: null,
      external_userid: str(doc.FromUserName).slice(0, 64) || null,
    }
  }
  return {
    org_id: orgId,
    source: 'wecom',
    dedupe_key: createHash('sha256').update(plaintext).digest('hex'),
    msg_type: msgType.slice(0, 32),
    event: str(doc.Event).slice(0, 64),
    change_type: str(doc.ChangeType).slice(0, 64),
    userid: (str(doc.UserID) || (msgType !== 'event' ? str(doc.FromUserName) : '')).slice(0, 64) || null,
    external_userid: str(doc.ExternalUserID).slice(0, 64) || null,
    plaintext,
    create_time: Number(str(doc.CreateTime)) * 1000 || now,
    received_at: now,
    status: 'pending',
    processed_at: null,
    error: null,
  }
}

/**
 * Callers await store(): it resolves only after the transaction holding the event and its processing job has committed.
 * While one batch commits, the next one gathers, so under load many events share one transaction (and one fsync on
 * MySQL); alone, an event waits one event-loop turn. A batch that fails is retried one event at a time, so a single
 * bad event cannot take its neighbours down with it.
 */
export class CallbackStore {
  private pending: Waiting[] = []
  private running = false
  private scheduled = false

  constructor(
    private readonly deps: Deps,
    private readonly onStored: (stored: number, duplicates: number) => void = () => {},
    /** Whose events this store takes: the source column and the job kind follow from it. */
    private readonly source: 'wecom' | 'oa' = 'wecom',
  ) {}

  store(event: IncomingEvent): Promise<void> {
    const row = eventRow(event.orgId, event.plaintext, event.doc, this.deps.clock.now(), this.source, event.dedupeKey)
    const welcome = hasWelcome({ source: this.source, msg_type: row.msg_type!, event: row.event!, change_type: row.change_type! })
      ? { state: str(event.doc.State), code: str(event.doc.WelcomeCode) }
      : null
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, welcome, resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.running || this.scheduled) return
    this.scheduled = true
    // One turn of the event loop lets every request that is already readable join the batch.
    setImmediate(() => {
      this.scheduled = false
      void this.run()
    })
  }

  private async run(): Promise<void> {
    this.running = true
    try {
      while (this.pending.length > 0) await this.commit(this.pending.splice(0, MAX_BATCH))
    } finally {
      this.running = false
      if (this.pending.length > 0) this.schedule()
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    try {
      await this.write(batch)
      for (const w of batch) w.resolve()
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err)
        return
      }
      for (const w of batch) await this.commit([w])
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    // The same plaintext twice for one org in one batch (a retry racing its original) is one row; both requests get their ack.
    const unique = new Map(batch.map((w) => [eventKey(w.row.org_id, w.row.dedupe_key), w]))
    const rows = [...unique.values()].map((w) => w.row)
    const inserted = await this.deps.db.transaction().execute(async (trx) => {
      const orgIds = [...new Set(rows.map((r) => r.org_id))]
      // A disabled org's events are kept (they were acked) but wait, without a job, until the org is enabled again.
      const disabled = await findDisabledOrgIds(trx, orgIds)
      const n = await insertEvents(
        trx,
        rows.map((r) => (disabled.has(r.org_id) ? { ...r, status: 'held' as const } : r)),
      )
      // Jobs for every event of the batch still pending: a duplicate's job exists already and its dedupe key skips it.
      const wanted = new Set(rows.map((r) => eventKey(r.org_id, r.dedupe_key)))
      const stored = (
        await findEventsByDedupeKeys(
          trx,
          orgIds,
          rows.map((r) => r.dedupe_key),
        )
      ).filter((r) => r.status === 'pending' && wanted.has(eventKey(r.org_id, r.dedupe_key)))
      // An add event's welcome is a job of its own, in the queue's fast lane: nothing of the event's processing comes before it.
      await this.deps.queue.enqueueMany(
        trx,
        stored.flatMap((r) => {
          const key = eventKey(r.org_id, r.dedupe_key)
          const { row, welcome } = unique.get(key)!
          const jobs: { kind: string; payload: unknown; opts: { orgId: number; dedupeKey: string } }[] = [
            { kind: JOB_OF_SOURCE[this.source], payload: { eventId: r.id }, opts: { orgId: r.org_id, dedupeKey: `cb:${key}` } },
          ]
          if (welcome) {
            const payload: WelcomeJobPayload = {
              eventId: r.id,
              userid: row.userid ?? '',
              externalUserid: row.external_userid ?? '',
              state: welcome.state,
              welcomeCode: welcome.code,
              createTime: Number(row.create_time),
            }
            jobs.push({ kind: WELCOME_JOB, payload, opts: { orgId: r.org_id, dedupeKey: `wl:${key}` } })
          }
          return jobs
        }),
        { wakeAfterCommit: true },
      )
      return n
    })
    // Committed: the jobs are visible now, so one look for work is enough.
    this.deps.queue.wake()
    this.onStored(inserted, batch.length - inserted)
  }
}

/** Events are unique per org: two orgs connected to one corp each get (and keep) every event. */
const eventKey = (orgId: number, dedupeKey: string) => `${orgId}:${dedupeKey}`

/** Queues the org's held events again; call it in the transaction that enables the org. Returns how many. */
export async function releaseHeldCallbacks(deps: Pick<Deps, 'queue'>, trx: Executor, orgId: number): Promise<number> {
  const held = await releaseHeldEventsBySource(trx, orgId)
  // No dedupe key: the held → pending flip in this transaction is what makes each release happen once.
  for (let i = 0; i < held.length; i += MAX_BATCH) {
    await deps.queue.enqueueMany(
      trx,
      held.slice(i, i + MAX_BATCH).flatMap((e) => [
        { kind: JOB_OF_SOURCE[e.source], payload: { eventId: e.id }, opts: { orgId } },
        // Its code has long expired; the welcome job still records that outcome.
        ...(hasWelcome(e) ? [{ kind: WELCOME_JOB, payload: { eventId: e.id }, opts: { orgId } }] : []),
      ]),
    )
  }
  return held.length
}
