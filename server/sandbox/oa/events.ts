// Official Account event plaintexts (subscribe, unsubscribe, SCAN, TEMPLATESENDJOBFINISH) and their delivery to the account's server URL.
import { buildXml } from '../../platform/xml'
import type { SandboxContext } from '../context'
import type { Delivery } from '../state'
import type { OaAccountState } from './state'

function eventHeader(account: OaAccountState, openid: string, nowMs: number, event: string) {
  return { ToUserName: account.ghId, FromUserName: openid, CreateTime: Math.floor(nowMs / 1000), MsgType: 'event', Event: event }
}

export function followEventXml(account: OaAccountState, openid: string, nowMs: number, event: 'subscribe' | 'unsubscribe'): string {
  return buildXml({ ...eventHeader(account, openid, nowMs, event), EventKey: '' })
}

/** A parametric QR scanned: subscribe with EventKey qrscene_<scene> by a new follower, SCAN with the bare scene by a follower. */
export function qrScanEventXml(
  account: OaAccountState,
  openid: string,
  nowMs: number,
  follower: boolean,
  scene: string,
  ticket: string,
): string {
  return buildXml({
    ...eventHeader(account, openid, nowMs, follower ? 'SCAN' : 'subscribe'),
    EventKey: follower ? scene : `qrscene_${scene}`,
    Ticket: ticket,
  })
}

/** Status: success, failed:user block, failed: system failed (with the space, as the platform writes it). */
export function templateJobFinishXml(account: OaAccountState, openid: string, nowMs: number, msgid: number, status: string): string {
  return buildXml({ ...eventHeader(account, openid, nowMs, 'TEMPLATESENDJOBFINISH'), MsgID: msgid, Status: status })
}

/** Sends an event; with wait the answer carries the finished delivery (all tries), else the pending one (or null: no URL). */
export async function sendOaEvent(
  ctx: SandboxContext,
  account: OaAccountState,
  xml: string,
  kind: string,
  openid: string,
  wait: boolean,
): Promise<Delivery | null> {
  const d = ctx.callbacks.deliverOa(account, xml, kind, openid)
  if (!d) return null
  if (wait) return d.done
  d.done.catch((err) => ctx.onError(err, 'oa callback delivery'))
  return d.delivery
}
