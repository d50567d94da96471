// The emulated sms.tencentcloudapi.com (POST / with TC3 auth) and its control API (inbox, templates, report URL).
import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import express, { type Request, type Response, Router } from 'express'
import type { Clock } from '../../lib/clock'
import type { ReportSender } from './reports'
import { ApiError, sendSms } from './send-sms'
import type { ReviewStatus, SmsFault, SmsWorld } from './state'
import { verifyTc3 } from './tc3'

export const SMS_API_VERSION = '2021-01-11'
/** Regions SendSms is offered in. */
export const SMS_REGIONS = new Set(['ap-guangzhou', 'ap-beijing', 'ap-nanjing'])

const rawJson = express.raw({ type: () => true, limit: '1mb' })

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Tencent Cloud answers API errors with HTTP 200 and Response.Error. */
function answerError(res: Response, requestId: string, code: string, message: string) {
  res.json({ Response: { Error: { Code: code, Message: message }, RequestId: requestId } })
}

/** `hanging` holds the responses a hang fault keeps open, so the sandbox can destroy them on close. */
export function smsApiRouter(world: SmsWorld, clock: Clock, reports: ReportSender, hanging: Set<ServerResponse>): Router {
  const r = Router()
  r.post('/', rawJson, (req: Request, res: Response) => {
    const requestId = randomUUID()
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const nowMs = clock.now()
    const q = req.originalUrl.indexOf('?')
    const verdict = verifyTc3(
      {
        method: req.method,
        path: q < 0 ? req.originalUrl : req.originalUrl.slice(0, q),
        query: q < 0 ? '' : req.originalUrl.slice(q + 1),
        headers: req.headers,
        body,
      },
      { nowSec: Math.floor(nowMs / 1000), secretKeyFor: (id) => world.keys.get(id)?.secretKey },
    )
    if (!verdict.ok) return answerError(res, requestId, verdict.code, verdict.message)

    const action = header(req, 'x-tc-action') ?? ''
    const version = header(req, 'x-tc-version') ?? ''
    const region = header(req, 'x-tc-region')
    if (!version) return answerError(res, requestId, 'MissingParameter', 'The request is missing a required parameter `X-TC-Version`.')
    if (version !== SMS_API_VERSION)
      return answerError(res, requestId, 'NoSuchVersion', `The requested version \`${version}\` of SMS is not supported.`)
    if (action !== 'SendSms')
      return answerError(res, requestId, 'InvalidAction', `The requested action \`${action}\` is not emulated by the sandbox.`)
    if (!region) return answerError(res, requestId, 'MissingParameter', 'The request is missing a required parameter `X-TC-Region`.')
    if (!SMS_REGIONS.has(region))
      return answerError(res, requestId, 'UnsupportedRegion', `SendSms is not supported in region \`${region}\`.`)

    const fault = world.takeFault()
    if (fault?.hang) {
      hanging.add(res)
      res.on('close', () => hanging.delete(res))
      return
    }
    if (fault?.errorCode) return answerError(res, requestId, fault.errorCode, 'injected by sandbox fault')

    let parsed: unknown
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      return answerError(res, requestId, 'InvalidParameter', 'The request body is not valid JSON.')
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return answerError(res, requestId, 'InvalidParameter', 'The request body must be a JSON object.')
    }
    try {
      const result = sendSms(world, world.keys.get(verdict.secretId)!, parsed as Record<string, unknown>, nowMs)
      reports.send(result.sent, nowMs)
      res.json({ Response: { SendStatusSet: result.statuses, RequestId: requestId } })
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      answerError(res, requestId, err.code, err.message)
    }
  })
  r.all('/{*rest}', (req: Request, res: Response) => {
    answerError(res, randomUUID(), 'UnsupportedOperation', `sandbox: ${req.method} ${req.originalUrl} is not emulated`)
  })
  return r
}

const STATUSES = new Set<ReviewStatus>(['approved', 'pending', 'rejected'])

function bad(res: Response, message: string) {
  res.status(400).json({ error: message })
}

/** Plays the phone and the console: read what a number received, add templates, set the report URL. */
export function smsControlRouter(world: SmsWorld, reports: ReportSender): Router {
  const r = Router()
  r.use(express.json({ limit: '1mb' }))

  r.get('/inbox', (req: Request, res: Response) => {
    const phone = typeof req.query.phone === 'string' ? req.query.phone : ''
    const wanted = phone.replace(/^(\+86|0086|86)(?=1\d{10}$)/, '')
    const messages = world.messages
      .filter((m) => !phone || m.phone === `+86${wanted}`)
      .slice(-100)
      .reverse()
      .map((m) => ({
        serial_no: m.serialNo,
        phone: m.phone,
        sms_sdk_app_id: m.smsSdkAppId,
        sign_name: m.signName,
        template_id: m.templateId,
        params: m.params,
        text: m.text,
        sent_at: m.sentAt,
      }))
    res.json({ messages })
  })

  r.get('/apps', (_req: Request, res: Response) => {
    res.json({
      keys: [...world.keys.values()].map((k) => ({ secret_id: k.secretId, secret_key: k.secretKey, sms_sdk_app_ids: [...k.appIds] })),
      apps: [...world.apps.values()].map((a) => ({
        sms_sdk_app_id: a.smsSdkAppId,
        name: a.name,
        signs: [...a.signs].map(([name, status]) => ({ name, status })),
        templates: [...a.templates.values()],
      })),
    })
  })

  r.post('/apps/:appId/templates', (req: Request, res: Response) => {
    const app = world.apps.get(String(req.params.appId))
    if (!app) return res.status(404).json({ error: `no SMS app ${String(req.params.appId)}` })
    const b = (req.body ?? {}) as Record<string, unknown>
    if (typeof b.id !== 'string' || !/^\d{1,12}$/.test(b.id)) return bad(res, 'id: digits')
    if (typeof b.content !== 'string' || !b.content) return bad(res, 'content: the template text with {1}, {2}…')
    const kind = b.kind ?? 'notice'
    const status = b.status ?? 'approved'
    if (kind !== 'code' && kind !== 'notice') return bad(res, "kind: 'code' or 'notice'")
    if (typeof status !== 'string' || !STATUSES.has(status as ReviewStatus)) return bad(res, 'status: approved, pending or rejected')
    const t = { id: b.id, content: b.content, kind, status: status as ReviewStatus } as const
    app.templates.set(t.id, t)
    res.json(t)
  })

  r.put('/callback', (req: Request, res: Response) => {
    const url = (req.body as { url?: unknown } | undefined)?.url
    if (url !== null && (typeof url !== 'string' || !/^https?:\/\//.test(url))) return bad(res, 'url: an http(s) URL, or null')
    world.callbackUrl = url
    res.json({ url })
  })

  r.put('/faults', (req: Request, res: Response) => {
    const rules = (req.body as { faults?: unknown } | undefined)?.faults
    if (!Array.isArray(rules)) return bad(res, 'faults: [{error_code?: string, hang?: boolean, times?: number}]')
    const faults: SmsFault[] = []
    for (const f of rules as Record<string, unknown>[]) {
      const times = f?.times ?? null
      if (times !== null && (typeof times !== 'number' || !Number.isInteger(times) || times < 1))
        return bad(res, 'times: a positive integer')
      if (f.error_code !== undefined && (typeof f.error_code !== 'string' || !f.error_code)) return bad(res, 'error_code: a platform code')
      if (f.error_code === undefined && f.hang !== true) return bad(res, 'each fault needs error_code or hang: true')
      faults.push({ errorCode: f.error_code as string | undefined, hang: f.hang === true, remaining: times })
    }
    world.faults = faults
    res.json({ faults })
  })

  r.get('/reports', async (_req: Request, res: Response) => {
    await reports.idle()
    res.json({ reports: world.reports })
  })

  return r
}
