// POST /api/notify/sms-report/<key>: Tencent's SMS 状态回调 (a JSON array); the unguessable per-org key is its only protection.
import express, { Router } from 'express'
import { ZodError } from 'zod'
import type { Deps } from '../../deps'
import { DELIVERY_REPORT_ACK, parseDeliveryReports } from '../../platform/sms/delivery-report'
import { closeFromReport } from './deliver'
import { findSettingsByReportKey } from './notifications.repository'

export const SMS_REPORT_PATH = '/api/notify/sms-report'

export function smsReportUrl(deps: Deps, key: string): string {
  return `${deps.config.publicBaseUrl.replace(/\/+$/, '')}${SMS_REPORT_PATH}/${key}`
}

export function createSmsReportRouter(deps: Deps): Router {
  const router = Router()
  router.post(`${SMS_REPORT_PATH}/:key`, express.json({ limit: '2mb' }), async (req, res, next) => {
    try {
      const key = String(req.params.key)
      const settings = /^[A-Za-z0-9_-]{16,64}$/.test(key) ? await findSettingsByReportKey(deps.db, key) : undefined
      if (!settings) {
        res.status(404).json({ result: 1, errmsg: 'not found' })
        return
      }
      const reports = parseDeliveryReports(req.body)
      for (const r of reports) {
        const ok = r.report_status === 'SUCCESS'
        await closeFromReport(deps, settings.org_id, 'sms', r.sid, {
          status: ok ? 'delivered' : 'failed',
          error: ok ? null : `短信未送达：${r.description || r.errmsg}（${r.errmsg}）`,
        })
      }
      res.json(DELIVERY_REPORT_ACK)
    } catch (err) {
      if (err instanceof ZodError) {
        res.status(400).json({ result: 1, errmsg: 'bad report body' })
        return
      }
      next(err)
    }
  })
  return router
}
