// Temporary media: multipart media/upload with the platform's type and size rules; images are kept to serve back.
import { WecomError, invalidParam } from '../errors'
import type { Media } from '../state'
import { MEDIA_TTL_MS } from './common'
import type { Endpoint } from './endpoint'

interface Part {
  name: string
  filename: string
  contentType: string
  data: Buffer
}

/** Just enough multipart/form-data to read the "media" part; WeCom's own example omits the quotes some clients add. */
export function parseMultipart(buf: Buffer, contentType: string | undefined): Part[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '')
  if (!m) return []
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`)
  const parts: Part[] = []
  let pos = buf.indexOf(boundary)
  while (pos !== -1) {
    let start = pos + boundary.length
    if (buf[start] === 0x2d && buf[start + 1] === 0x2d) break
    if (buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2
    const next = buf.indexOf(boundary, start)
    if (next === -1) break
    const end = buf[next - 2] === 0x0d && buf[next - 1] === 0x0a ? next - 2 : next
    const part = buf.subarray(start, end)
    const headerEnd = part.indexOf('\r\n\r\n')
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8')
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? ''
      parts.push({
        name: /\bname="?([^";]*)"?/i.exec(disposition)?.[1] ?? '',
        filename: /filename="?([^";]*)"?/i.exec(disposition)?.[1] ?? '',
        contentType: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream',
        data: part.subarray(headerEnd + 4),
      })
    }
    pos = next
  }
  return parts
}

const MB = 1024 * 1024

/** Size caps per type, and the errcode the platform uses when each is exceeded. */
const LIMITS: Record<string, { max: number; code: number }> = {
  image: { max: 10 * MB, code: 40009 },
  voice: { max: 2 * MB, code: 40006 },
  video: { max: 10 * MB, code: 40011 },
  file: { max: 20 * MB, code: 40006 },
}

function formatOk(type: string, data: Buffer): boolean {
  if (type === 'image') {
    const png = data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    const jpg = data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff
    return png || jpg
  }
  if (type === 'voice') return data.subarray(0, 5).toString('latin1') === '#!AMR'
  if (type === 'video') return data.subarray(4, 8).toString('latin1') === 'ftyp'
  return true
}

export const mediaEndpoints: Endpoint[] = [
  {
    name: 'media/upload',
    method: 'POST',
    body: 'raw',
    mutates: true,
    handle({ ctx, corp, query, req, now }) {
      const type = query('type')
      if (!type || !LIMITS[type]) throw new WecomError(40005, `type \`${type ?? ''}\``)
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const part = parseMultipart(raw, req.headers['content-type']).find((p) => p.name === 'media')
      if (!part) throw invalidParam('missing form-data part `media`')
      // The platform requires more than 5 bytes.
      if (part.data.length <= 5) throw new WecomError(40006, 'file must be larger than 5 bytes')
      if (part.data.length > LIMITS[type].max) throw new WecomError(LIMITS[type].code, `${type} exceeds ${LIMITS[type].max / MB} MB`)
      if (!formatOk(type, part.data)) throw new WecomError(40004, `content is not a valid ${type}`)
      const media: Media = {
        media_id: ctx.state.ids.next('3', 64),
        type,
        filename: part.filename,
        content_type: part.contentType,
        size: part.data.length,
        created_at: Math.floor(now / 1000),
        data: type === 'image' ? Buffer.from(part.data) : undefined,
      }
      if (corp.media.size >= 1000) {
        for (const [id, m] of corp.media) if (m.created_at * 1000 + MEDIA_TTL_MS <= now) corp.media.delete(id)
      }
      corp.media.set(media.media_id, media)
      return { type, media_id: media.media_id, created_at: String(media.created_at) }
    },
  },
]
