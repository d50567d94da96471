// 模拟外呼: signs a demo batch with the org's demo API key and POSTs it over HTTP to this server's own ingest route.
import { randomBytes } from 'node:crypto'
import type { Deps } from '../../deps'
import { PreconditionError } from '../../lib/errors'
import { INGEST_MAX_EVENTS, type IngestResponse } from '../../../shared/ingest-events'
import { demoApiKey } from '../api-keys/api-keys.service'
import { configuredTemplateIds } from '../push-configs/push-configs.repository'
import { demoBatch } from './demo-calls'
import { INGEST_EVENTS_PATH } from './ingest-openapi'
import { signIngest } from './ingest.service'

export interface SimulateResult {
  batchId: string
  requests: number
  accepted: number
  rejected: number
}

export async function simulateCalls(
  deps: Deps,
  orgId: number,
  input: { calls: number },
  baseUrl = deps.config.publicBaseUrl,
): Promise<SimulateResult> {
  if (!deps.config.sandbox) throw new PreconditionError('模拟外呼仅在演示模式（沙箱开启）下可用')
  const key = await demoApiKey(deps, orgId)
  const templates = (await configuredTemplateIds(deps.db, orgId)).map((t) => (t === '' ? null : t))
  const runId = `${Math.floor(deps.clock.now() / 1000)}-${randomBytes(3).toString('hex')}`
  const events = demoBatch({ calls: input.calls, templateIds: templates.length > 0 ? templates : [null], now: deps.clock.now(), runId })
  let accepted = 0
  let rejected = 0
  let requests = 0
  for (let i = 0; i < events.length; i += INGEST_MAX_EVENTS) {
    const body = JSON.stringify({ events: events.slice(i, i + INGEST_MAX_EVENTS) })
    const ts = String(Math.floor(deps.clock.now() / 1000))
    // Over HTTP on purpose: the demo exercises the same key, signature and route a real calling system uses.
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}${INGEST_EVENTS_PATH}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Api-Key': key.keyId,
        'X-Timestamp': ts,
        'X-Signature': signIngest(key.secret, ts, body),
      },
      body,
    })
    const answer = (await res.json().catch(() => null)) as (IngestResponse & { error?: { message: string } }) | null
    if (!res.ok || !answer) throw new PreconditionError(`模拟外呼提交失败（HTTP ${res.status}）：${answer?.error?.message ?? '无响应内容'}`)
    requests++
    accepted += answer.accepted.length
    rejected += answer.rejected.length
  }
  return { batchId: `demo-${runId}`, requests, accepted, rejected }
}
