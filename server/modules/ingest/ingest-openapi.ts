// The OpenAPI 3.1 description of the events ingest API, generated from the same zod schemas the route validates with.
import { z } from 'zod'
import {
  INGEST_MAX_BYTES,
  INGEST_MAX_EVENTS,
  INGEST_WINDOW_SECONDS,
  accountEvent,
  balanceEvent,
  batchCreatedEvent,
  callResultEvent,
  ingestBodyDocumented,
  ingestError,
  ingestResponse,
  rechargeEvent,
} from '../../../shared/ingest-events'

export const INGEST_EVENTS_PATH = '/api/ingest/events'
export const INGEST_OPENAPI_PATH = '/api/ingest/openapi.json'

const json = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' })

export function ingestOpenApi(publicBaseUrl: string): Record<string, unknown> {
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/IngestError' } } },
  })
  return {
    openapi: '3.1.0',
    info: {
      title: '外呼事件接入 API',
      version: '1.0.0',
      description: [
        '外呼系统把通话结果、任务、余额、充值和账户事件推送到本服务，用于向员工发送通知。',
        `认证：X-Api-Key（后台「API 密钥」页面创建）、X-Timestamp（Unix 秒）、X-Signature = hex(HMAC-SHA256(密钥, "<X-Timestamp>.<原始请求体>"))；时间戳须在服务器时间前后 ${INGEST_WINDOW_SECONDS / 60} 分钟内。`,
        `每次最多 ${INGEST_MAX_EVENTS} 条事件、请求体最多 ${INGEST_MAX_BYTES} 字节；每条事件单独校验，合法的被接收，不合法的在 rejected 中逐条说明。`,
        '每条事件带 idempotency_key（机构内唯一）：重复提交返回第一次的结果（replayed: true），不会重复处理。',
        '时间字段一律为带时区的 ISO 8601 字符串，例如 2026-12-01T09:30:00+08:00；金额单位为元，最多两位小数。',
      ].join('\n\n'),
    },
    servers: [{ url: publicBaseUrl.replace(/\/$/, '') }],
    paths: {
      [INGEST_EVENTS_PATH]: {
        post: {
          operationId: 'ingestEvents',
          summary: '提交外呼事件',
          security: [{ apiKey: [], timestamp: [], signature: [] }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/IngestBody' } } } },
          responses: {
            '200': {
              description: '已处理：accepted 为接收（或此前已接收）的事件，rejected 为未通过校验的事件',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/IngestResponse' } } },
            },
            '400': error('请求体不是 {"events": [...]} 形式的 JSON（code: bad_body）'),
            '401': error(
              '缺少认证头、密钥不存在或已吊销、时间戳超出窗口、签名错误（code: missing_headers / bad_key / key_revoked / timestamp_window / bad_signature）',
            ),
            '413': error('请求体或事件条数超过上限（code: too_large）'),
            '429': error('该密钥请求过于频繁，请按 Retry-After 秒后重试（code: rate_limited）'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        timestamp: { type: 'apiKey', in: 'header', name: 'X-Timestamp' },
        signature: { type: 'apiKey', in: 'header', name: 'X-Signature' },
      },
      schemas: {
        IngestBody: json(ingestBodyDocumented, 'input'),
        CallResultEvent: json(callResultEvent, 'input'),
        BatchCreatedEvent: json(batchCreatedEvent, 'input'),
        BalanceEvent: json(balanceEvent, 'input'),
        RechargeEvent: json(rechargeEvent, 'input'),
        AccountEvent: json(accountEvent, 'input'),
        IngestResponse: json(ingestResponse, 'output'),
        IngestError: json(ingestError, 'output'),
      },
    },
  }
}
