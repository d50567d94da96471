// The shared path every emulated /cgi-bin call takes: count, faults, token, rate limit, handler, errcode envelope.
import express, { type Request, type Response, type Router } from 'express'
import type { SandboxContext } from '../context'
import { WecomError, errmsgFor } from '../errors'
import { Counters } from '../metering'
import type { CorpState, SandboxApp } from '../state'
import type { Body } from './params'

export type Result = Record<string, unknown>

export interface AnonCall {
  ctx: SandboxContext
  body: Body
  now: number
  req: Request
  query(name: string): string | undefined
}

export interface Call extends AnonCall {
  corp: CorpState
  app: SandboxApp
}

interface EndpointBase {
  /** Path after /cgi-bin/, also the key for counters, faults and the rate limit. */
  name: string
  method: 'GET' | 'POST'
  /** The state changes, so the snapshot needs saving. */
  mutates?: boolean
  /** 'raw' keeps the body as a Buffer (multipart upload). */
  body?: 'json' | 'raw'
}

export interface AuthedEndpoint extends EndpointBase {
  anonymous?: false
  /** 'contact': only apps configured for customer contact may call it (else 48002). */
  scope?: 'contact' | 'any'
  /** 'errors': a successful call is not counted against the limit (auth/getuserinfo with a valid code). */
  rateLimit?: 'always' | 'errors'
  handle(call: Call): Result
}

export interface AnonEndpoint extends EndpointBase {
  anonymous: true
  handle(call: AnonCall): Result
}

export type Endpoint = AuthedEndpoint | AnonEndpoint

function firstString(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0]
  return undefined
}

function parseJsonBody(raw: unknown): { body: Body; malformed: boolean } {
  if (typeof raw !== 'string' || raw.trim() === '') return { body: {}, malformed: false }
  try {
    const v: unknown = JSON.parse(raw)
    if (v && typeof v === 'object' && !Array.isArray(v)) return { body: v as Body, malformed: false }
  } catch {
    // fall through: WeCom still answers, with a warning in errmsg
  }
  return { body: {}, malformed: true }
}

const textBody = express.text({ type: () => true, limit: '16mb' })
const rawBody = express.raw({ type: () => true, limit: '25mb' })

/** Looks up the token and the calling app; throws the token errcodes in WeCom's precedence. */
export function authenticate(ctx: SandboxContext, token: string | undefined, now: number): { corp: CorpState; app: SandboxApp } {
  if (!token) throw new WecomError(41001)
  const t = ctx.state.tokens.get(token)
  if (!t) throw new WecomError(40014)
  if (t.expires_at <= now) throw new WecomError(42001)
  const corp = ctx.state.corps.get(t.corpid)
  const app = corp?.app(t.agentid)
  if (!corp || !app) throw new WecomError(40014)
  return { corp, app }
}

function run(ctx: SandboxContext, ep: Endpoint, req: Request, now: number, body: Body): Result {
  const query = (name: string) => firstString((req.query as Record<string, unknown>)[name])
  if (ep.anonymous) return ep.handle({ ctx, body, now, req, query })
  const { corp, app } = authenticate(ctx, query('access_token'), now)
  if (ep.scope === 'contact' && app.kind !== 'contact') throw new WecomError(48002, 'app is not configured for customer contact')
  const key = `${corp.corpid} ${ep.name}`
  if (ep.rateLimit === 'errors') {
    if (ctx.limiter.exhausted(key, now)) throw new WecomError(45009)
    try {
      return ep.handle({ ctx, body, now, req, query, corp, app })
    } catch (err) {
      ctx.limiter.take(key, now)
      throw err
    }
  }
  if (!ctx.limiter.take(key, now)) throw new WecomError(45009)
  return ep.handle({ ctx, body, now, req, query, corp, app })
}

function errorBody(ctx: SandboxContext, err: unknown, now: number, where: string): { errcode: number; errmsg: string } {
  if (err instanceof WecomError) return { errcode: err.errcode, errmsg: errmsgFor(err.errcode, err.detail, now) }
  ctx.onError(err, where)
  return { errcode: -1, errmsg: errmsgFor(-1, undefined, now) }
}

/** Fault timers never keep a closing process alive. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

function answer(ctx: SandboxContext, ep: Endpoint, req: Request, res: Response): void | Promise<void> {
  const count = ctx.counters.hit(ep.name)
  const fault = ctx.faults.decide(ep.name)
  if (!fault) return respond(ctx, ep, req, res, count, undefined)
  return (async () => {
    if (fault.delayMs > 0) await sleep(fault.delayMs)
    if (fault.hang) {
      ctx.hanging.add(res)
      res.on('close', () => ctx.hanging.delete(res))
      return
    }
    if (fault.errcode !== undefined) {
      Counters.outcome(count, fault.errcode)
      res.json({ errcode: fault.errcode, errmsg: errmsgFor(fault.errcode, 'injected by sandbox fault', ctx.clock.now()) })
      return
    }
    respond(ctx, ep, req, res, count, fault.answerAfterMs)
  })()
}

function respond(
  ctx: SandboxContext,
  ep: Endpoint,
  req: Request,
  res: Response,
  count: ReturnType<Counters['hit']>,
  answerAfterMs: number | undefined,
): void {
  const now = ctx.clock.now()
  let out: Result
  let malformed = false
  try {
    let body: Body = {}
    if (ep.method === 'POST' && ep.body !== 'raw') ({ body, malformed } = parseJsonBody(req.body))
    out = { errcode: 0, errmsg: 'ok', ...run(ctx, ep, req, now, body) }
    if (ep.mutates) ctx.changed()
  } catch (err) {
    out = errorBody(ctx, err, now, ep.name)
  }
  if (malformed) out.errmsg = `${String(out.errmsg)}, Warning: wrong json format.`
  Counters.outcome(count, out.errcode as number)
  if (answerAfterMs !== undefined) setTimeout(() => res.json(out), answerAfterMs).unref()
  else res.json(out)
}

/** Registers endpoints under /cgi-bin/ on the WeCom router. */
export function mountEndpoints(router: Router, ctx: SandboxContext, endpoints: Endpoint[]): void {
  for (const ep of endpoints) {
    const path = `/cgi-bin/${ep.name}`
    const handler = (req: Request, res: Response) => answer(ctx, ep, req, res)
    if (ep.method === 'GET') router.get(path, handler)
    else router.post(path, ep.body === 'raw' ? rawBody : textBody, handler)
  }
}
