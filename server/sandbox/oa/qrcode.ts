// qrcode/create: temporary (≤ 30 days, 60 s default) and permanent (scene_id 1–100000, scene_str 1–64) parametric codes.
import { randomBytes } from 'node:crypto'
import type { OaEndpoint } from './endpoint'
import { OaError } from './errors'

const MAX_EXPIRE_SEC = 2_592_000
const ACTIONS = new Set(['QR_SCENE', 'QR_STR_SCENE', 'QR_LIMIT_SCENE', 'QR_LIMIT_STR_SCENE'])

export const qrcodeEndpoints: OaEndpoint[] = [
  {
    path: '/cgi-bin/qrcode/create',
    method: 'POST',
    mutates: true,
    handle({ ctx, account, body, now }) {
      const action = typeof body.action_name === 'string' ? body.action_name : ''
      if (!ACTIONS.has(action)) throw new OaError(40052)
      const scene = (body.action_info as { scene?: { scene_id?: unknown; scene_str?: unknown } } | undefined)?.scene
      const permanent = action.startsWith('QR_LIMIT')
      const byString = action.endsWith('STR_SCENE')
      let sceneId: number | undefined
      let sceneStr: string | undefined
      if (byString) {
        if (typeof scene?.scene_str !== 'string' || scene.scene_str.length < 1 || scene.scene_str.length > 64) throw new OaError(40053)
        sceneStr = scene.scene_str
      } else {
        const id = Number(scene?.scene_id)
        if (!Number.isInteger(id) || id < 1 || (permanent && id > 100_000) || id > 0xffffffff) throw new OaError(40053)
        sceneId = id
      }
      const expireSec = permanent ? undefined : Math.min(Number(body.expire_seconds ?? 60) || 60, MAX_EXPIRE_SEC)
      const ticket = `gQ${randomBytes(36).toString('base64url')}`
      account.qrcodes.set(ticket, {
        ticket,
        action_name: action,
        scene_id: sceneId,
        scene_str: sceneStr,
        expires_at: expireSec === undefined ? null : now + expireSec * 1000,
      })
      ctx.changed()
      const url = `http://weixin.qq.com/q/${ticket.slice(2, 24)}`
      return expireSec === undefined ? { ticket, url } : { ticket, expire_seconds: expireSec, url }
    },
  },
]
