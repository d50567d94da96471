// GET /api/contact-ways/:id/qr.png: the admin downloads a contact way's QR image, fetched server-side from WeCom's URL.
import { type Request, type Response, Router } from 'express'
import type { Deps } from '../../deps'
import { orgSessionOf } from '../auth/org-session'
import { findContactWayById } from './contact-ways.repository'

export const QR_FETCH_TIMEOUT_MS = 10_000
export const QR_MAX_BYTES = 2 * 1024 * 1024

class UpstreamError extends Error {}

/** Characters no file system or browser accepts in a name (path separators, reserved, control). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern is for
const UNSAFE_IN_FILENAME = /[\\/:*?"<>|\u0000-\u001f\u007f]/g

/** RFC 5987 value: encodeURIComponent leaves ' ( ) * unescaped, which the ext-value grammar does not allow. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** attachment; filename="<ascii fallback>"; filename*=UTF-8''<联系我-渠道名-state.png> */
export function qrContentDisposition(channelName: string, state: string): string {
  const name = `联系我-${channelName}-${state}.png`.replace(UNSAFE_IN_FILENAME, '_')
  const ascii = `contact-way-${state.replace(/[^A-Za-z0-9_.-]/g, '_') || 'qr'}.png`
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(name)}`
}

/**
 * Fetches the image with the limits a server-side fetch of a stored URL needs: http(s) only, 10 s for the whole
 * exchange, an image content type, and at most 2 MB (read up to the limit, so an oversize answer fails cleanly
 * instead of reaching the browser as a truncated file).
 */
async function fetchQrImage(url: string): Promise<{ contentType: string; body: Buffer }> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UpstreamError('二维码地址无效')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UpstreamError('二维码地址只能是 http 或 https')
  const signal = AbortSignal.timeout(QR_FETCH_TIMEOUT_MS)
  let res: globalThis.Response
  try {
    res = await fetch(parsed, { signal, redirect: 'follow' })
  } catch (err) {
    throw new UpstreamError(signal.aborted ? '下载二维码超时' : `无法下载二维码：${(err as Error).message}`)
  }
  try {
    if (!res.ok) throw new UpstreamError(`下载二维码失败（HTTP ${res.status}）`)
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
    if (!contentType.startsWith('image/')) throw new UpstreamError(`二维码地址返回的不是图片（${contentType || '无类型'}）`)
    const declared = Number(res.headers.get('content-length') ?? NaN)
    if (declared > QR_MAX_BYTES) throw new UpstreamError('二维码图片超过 2 MB')
    const chunks: Uint8Array[] = []
    let size = 0
    if (res.body) {
      for await (const chunk of res.body) {
        size += chunk.byteLength
        if (size > QR_MAX_BYTES) throw new UpstreamError('二维码图片超过 2 MB')
        chunks.push(chunk)
      }
    }
    return { contentType, body: Buffer.concat(chunks) }
  } catch (err) {
    if (err instanceof UpstreamError) throw err
    throw new UpstreamError(signal.aborted ? '下载二维码超时' : `下载二维码中断：${(err as Error).message}`)
  } finally {
    // Frees the connection when we stopped reading early (wrong type, too large).
    await res.body?.cancel().catch(() => {})
  }
}

export function createContactWayQrRouter(deps: Deps): Router {
  const r = Router()
  r.get('/api/contact-ways/:id/qr.png', async (req: Request, res: Response) => {
    const session = await orgSessionOf(deps, req, res)
    if (!session) return
    const { orgId } = session
    const id = Number(req.params.id)
    const row = Number.isSafeInteger(id) && id > 0 ? await findContactWayById(deps.db, orgId, id) : undefined
    if (!row) {
      res.status(404).json({ error: `渠道活码 ${String(req.params.id)} 不存在` })
      return
    }
    if (!row.qr_code) {
      res.status(404).json({ error: '该渠道活码没有二维码（小程序按钮类型）' })
      return
    }
    let image: { contentType: string; body: Buffer }
    try {
      image = await fetchQrImage(row.qr_code)
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err
      deps.log.warn({ orgId, contactWayId: id, reason: err.message }, 'contact way QR download failed')
      res.status(502).json({ error: err.message })
      return
    }
    res
      .status(200)
      .set({
        'Content-Type': image.contentType,
        'Content-Length': String(image.body.length),
        'Content-Disposition': qrContentDisposition(row.channel_name, row.state),
        // Behind a login: no shared cache may keep it.
        'Cache-Control': 'private, no-store',
        'X-Content-Type-Options': 'nosniff',
      })
      .end(image.body)
  })
  return r
}
