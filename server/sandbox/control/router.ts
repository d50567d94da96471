// HTTP face of the control API (JSON under /sandbox/control); every route is one call on the `control` object.
import express, { type NextFunction, type Request, type Response, Router } from 'express'
import { ControlError } from '../errors'
import type { Control } from './actions'

type Handler = (req: Request) => unknown

/** Runs an action and answers its result as JSON; ControlError → its status, bad JSON → 400. */
function route(fn: Handler) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.json(await fn(req))
    } catch (err) {
      next(err)
    }
  }
}

const corpid = (req: Request) => String(req.params.corpid)

export function controlRouter(control: Control, onError: (err: unknown, where: string) => void): Router {
  const r = Router()
  r.use(express.json({ limit: '10mb' }))

  r.post(
    '/reset',
    route((req) => control.reset(req.body)),
  )

  r.get(
    '/corps',
    route(() => control.listCorps()),
  )
  r.post(
    '/corps',
    route((req) => control.createCorp(req.body)),
  )
  r.get(
    '/corps/:corpid',
    route((req) => control.getCorp(corpid(req))),
  )
  r.post(
    '/corps/:corpid/members',
    route((req) => control.addMembers(corpid(req), req.body)),
  )
  r.put(
    '/corps/:corpid/callback',
    route((req) => control.setCallback(corpid(req), req.body)),
  )
  r.delete(
    '/corps/:corpid/callback',
    route((req) => control.setCallback(corpid(req), null)),
  )
  r.post(
    '/corps/:corpid/verify-url',
    route((req) => control.verifyUrl(corpid(req))),
  )
  r.post(
    '/corps/:corpid/seed-bulk',
    route((req) => control.seedBulk(corpid(req), req.body)),
  )

  r.post(
    '/corps/:corpid/scan',
    route((req) => control.scan(corpid(req), req.body)),
  )
  r.post(
    '/corps/:corpid/customer-deletes-staff',
    route((req) => control.customerDeletesStaff(corpid(req), req.body)),
  )
  r.post(
    '/corps/:corpid/staff-deletes-customer',
    route((req) => control.staffDeletesCustomer(corpid(req), req.body)),
  )
  r.post(
    '/corps/:corpid/edit-contact',
    route((req) => control.editContact(corpid(req), req.body)),
  )
  r.post(
    '/corps/:corpid/tag-change',
    route((req) => control.tagChange(corpid(req), req.body)),
  )
  r.post(
    '/corps/:corpid/chat-event',
    route((req) => control.chatEvent(corpid(req), req.body)),
  )
  r.post(
    '/corps/:corpid/inbound-message',
    route((req) => control.inboundMessage(corpid(req), req.body)),
  )

  r.get(
    '/corps/:corpid/group-msgs',
    route((req) => control.listGroupMsgs(corpid(req))),
  )
  r.post(
    '/corps/:corpid/group-msgs/confirm',
    route((req) => control.confirmGroupMsg(corpid(req), req.body)),
  )
  r.put(
    '/corps/:corpid/group-msgs/quota',
    route((req) => control.setGroupMsgQuota(corpid(req), req.body)),
  )
  r.post(
    '/corps/:corpid/oauth-code',
    route((req) => control.issueOAuthCode(corpid(req), req.body)),
  )

  r.get(
    '/faults',
    route(() => control.getFaults()),
  )
  r.put(
    '/faults',
    route((req) => control.setFaults(req.body)),
  )
  r.delete(
    '/faults',
    route(() => control.clearFaults()),
  )

  r.post(
    '/tokens/invalidate',
    route((req) => control.invalidateTokens(req.body)),
  )
  r.get(
    '/counters',
    route(() => control.getCounters()),
  )
  r.delete(
    '/counters',
    route(() => control.resetCounters()),
  )
  r.get(
    '/logs/:kind',
    route((req) => control.logs({ ...(req.query as Record<string, string>), kind: req.params.kind as 'welcome' })),
  )
  r.delete(
    '/logs',
    route(() => control.clearLogs()),
  )

  const appid = (req: Request) => String(req.params.appid)
  const openid = (req: Request) => String(req.params.openid)
  r.get(
    '/oa/accounts',
    route(() => control.listOaAccounts()),
  )
  r.post(
    '/oa/accounts',
    route((req) => control.createOaAccount(req.body)),
  )
  r.get(
    '/oa/accounts/:appid/fans',
    route((req) => control.listOaFans(appid(req))),
  )
  r.post(
    '/oa/accounts/:appid/fans',
    route((req) => control.addOaFan(appid(req), req.body)),
  )
  r.post(
    '/oa/accounts/:appid/fans/:openid/follow',
    route((req) => control.followOa(appid(req), openid(req), req.body)),
  )
  r.post(
    '/oa/accounts/:appid/fans/:openid/scan',
    route((req) => control.scanOaQr(appid(req), openid(req), req.body)),
  )
  r.post(
    '/oa/accounts/:appid/fans/:openid/unfollow',
    route((req) => control.unfollowOa(appid(req), openid(req), req.body)),
  )
  r.put(
    '/oa/accounts/:appid/callback',
    route((req) => control.setOaCallback(appid(req), req.body)),
  )
  r.delete(
    '/oa/accounts/:appid/callback',
    route((req) => control.setOaCallback(appid(req), null)),
  )
  r.get(
    '/oa/accounts/:appid/template-messages',
    route((req) => control.oaSentTemplates(appid(req))),
  )
  r.post(
    '/oa/accounts/:appid/authorize',
    route((req) => control.oaAuthorize(appid(req), req.body)),
  )

  r.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'no such control endpoint; see server/sandbox/README.md' })
  })
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ControlError) {
      res.status(err.status).json({ error: err.message })
      return
    }
    // body-parser errors (malformed JSON, too large) carry their 4xx status.
    const status = (err as { status?: number }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: `bad request body: ${(err as Error).message}` })
      return
    }
    onError(err, 'control')
    res.status(500).json({ error: (err as Error).message })
  })
  return r
}
