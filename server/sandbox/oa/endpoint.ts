// The shared path every emulated OA API call takes: count, faults, token, handler, errcode envelope.
import express, { type Request, type Response, type Router } from 'express'
import type { SandboxContext } from '../context'
import { Counters } from '../metering'
import { OaError, oaErrmsg } from './errors'
import type { OaAccountState } from './state'

export type Body = Record<string, unknown>
export type Result = Record<string, unknown>

export interface OaAnonCall {
  ctx: SandboxContext
  body: Body
  now: number
  req: Request
  query(name: string): string | undefined
}

export interface OaCall extends OaAnonCall {
  account: OaAccountState
}

interface Base {
  /** The full API path ('/cgi-bin/stable_token', '/sns/oauth2/access_token'), as the client's catalogue has it. */
  path: string
  method: 'GET' | 'POST'
  mutates?: boolean
}

export type OaEndpoint =
  (Base & { anonymous: true; handle(call: OaAnonCall): Result }) | (Base & { anonymous?: false; handle(call: OaCall): Result })

/** The name faults and counters know an OA endpoint by ('oa:/cgi-bin/…'), apart from WeCom's. */
export const oaFaultName = (path: string) => `oa:${path}`

function firstString(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0]
  return undefined
}

/** Looks up the token's account: missing 41001, unknown or invalidated 40001, expired 42001 (the platform's codes). */
export function authenticateOa(ctx: SandboxContext, token: string | undefined, now: number): OaAccountState {
  if (!token) throw new OaError(41001)
  const t = ctx.state.oa.tokens.get(token)
  if (!t) throw new OaError(40001)
  if (t.expires_at <= now) throw new OaError(42001)
  const account = ctx.state.oa.accounts.get(t.appid)
  if (!account) throw new OaError(40001)
  return account
}

function parseJsonBody(raw: unknown): Body | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return {}
  try {
    const v: unknown = JSON.parse(raw)
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Body
  } catch {
    // the platform answers 47001 for a body it cannot read
  }
  return undefined
}

function respond(ctx: SandboxContext, ep: OaEndpoint, req: Request, res: Response, count: ReturnType<Counters['hit']>): void {
  const now = ctx.clock.now()
  let out: Result
  try {
    const body = ep.method === 'POST' ? parseJsonBody(req.body) : {}
    if (body === undefined) throw new OaError(47001)
    const query = (name: string) => firstString((req.query as Record<string, unknown>)[name])
    const result = ep.anonymous
      ? ep.handle({ ctx, body, now, req, query })
      : ep.handle({ ctx, body, now, req, query, account: authenticateOa(ctx, query('access_token'), now) })
    out = result
    if (ep.mutates) ctx.changed()
  } catch (err) {
    if (err instanceof OaError) out = { errcode: err.errcode, errmsg: oaErrmsg(err.errcode, err.detail) }
    else {
      ctx.onError(err, ep.path)
      out = { errcode: -1, errmsg: oaErrmsg(-1, undefined) }
    }
  }
  Counters.outcome(count, typeof out.errcode === 'number' ? out.errcode : 0)
  res.json(out)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
const textBody = express.text({ type: () => true, limit: '1mb' })

function answer(ctx: SandboxContext, ep: OaEndpoint, req: Request, res: Response): void | Promise<void> {
  const name = oaFaultName(ep.path)
  const count = ctx.counters.hit(name)
  const fault = ctx.faults.decide(name)
  if (!fault) return respond(ctx, ep, req, res, count)
  return (async () => {
    if (fault.delayMs > 0) await sleep(fault.delayMs)
    if (fault.hang) {
      ctx.hanging.add(res)
      res.on('close', () => ctx.hanging.delete(res))
      return
    }
    if (fault.errcode !== undefined) {
      Counters.outcome(count, fault.errcode)
      res.json({ errcode: fault.errcode, errmsg: oaErrmsg(fault.errcode, 'injected by sandbox fault') })
      return
    }
    if (fault.answerAfterMs !== undefined) {
      // Process now, answer late: the side effect happens although the client may have given up.
      const hold = { json: (b: unknown) => setTimeout(() => res.json(b), fault.answerAfterMs).unref() } as unknown as Response
      respond(ctx, ep, req, hold, count)
      return
    }
    respond(ctx, ep, req, res, count)
  })()
}

export function mountOaEndpoints(router: Router, ctx: SandboxContext, endpoints: OaEndpoint[]): void {
  for (const ep of endpoints) {
    const handler = (req: Request, res: Response) => answer(ctx, ep, req, res)
    if (ep.method === 'GET') router.get(ep.path, handler)
    else router.post(ep.path, textBody, handler)
  }
}
