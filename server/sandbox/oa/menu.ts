// menu/create and menu/get: 1–3 buttons, ≤ 5 sub-buttons each, names ≤ 16/40 bytes, keys ≤ 128 bytes.
import type { OaEndpoint } from './endpoint'
import { OaError } from './errors'

const TYPES = new Set(['click', 'view', 'miniprogram', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'location_select'])
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

function checkButton(b: unknown, top: boolean): void {
  if (!b || typeof b !== 'object') throw new OaError(40017)
  const btn = b as { name?: unknown; type?: unknown; key?: unknown; url?: unknown; sub_button?: unknown }
  if (typeof btn.name !== 'string' || btn.name === '' || bytes(btn.name) > (top ? 16 : 40)) throw new OaError(40018)
  const subs = Array.isArray(btn.sub_button) ? btn.sub_button : []
  if (subs.length > 0) {
    if (!top) throw new OaError(40023)
    if (subs.length > 5) throw new OaError(40023)
    for (const s of subs) checkButton(s, false)
    return
  }
  if (typeof btn.type !== 'string' || !TYPES.has(btn.type)) throw new OaError(40017)
  if (btn.type === 'click' && (typeof btn.key !== 'string' || btn.key === '' || bytes(btn.key) > 128)) throw new OaError(40019)
  if (btn.type === 'view' && (typeof btn.url !== 'string' || btn.url === '')) throw new OaError(40017, 'view needs url')
}

export const menuEndpoints: OaEndpoint[] = [
  {
    path: '/cgi-bin/menu/create',
    method: 'POST',
    mutates: true,
    handle({ account, body }) {
      const buttons = body.button
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) throw new OaError(40016)
      for (const b of buttons) checkButton(b, true)
      account.menu = { button: structuredClone(buttons) }
      return { errcode: 0, errmsg: 'ok' }
    },
  },
  {
    path: '/cgi-bin/menu/get',
    method: 'GET',
    handle({ account }) {
      if (!account.menu) throw new OaError(46003)
      return { menu: structuredClone(account.menu) }
    },
  },
]
