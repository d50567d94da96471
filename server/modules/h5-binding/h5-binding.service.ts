// The H5 binding: who the page is for, SMS codes (hashed, limited per mobile, openid and IP), bind / rebind / unbind, JS-SDK config.
import { randomInt, timingSafeEqual } from 'node:crypto'
import QRCode from 'qrcode'
import type { Deps } from '../../deps'
import { writeTransaction } from '../../db/transaction'
import { isDuplicateKey } from '../../db/dialect'
import { InvalidInputError, RateLimitedError, UnauthorizedError } from '../../lib/errors'
import { jsapiSignature, randomNonce } from '../../platform/crypto'
import { PlatformError } from '../../platform/errors'
import { h5BindInput, h5JsConfigInput, h5SendCodeInput, type H5CodeSent, type H5JsConfig, type H5MeView } from '../../../shared/schemas/h5'
import { writeActorAudit } from '../audit/audit.service'
import { clearOpenid, findEmployeeByMobile, findEmployeeByOpenid, setEmployee } from '../employees/employees.repository'
import type { EmployeeRow } from '../employees/employees.table'
import { findOrgById } from '../orgs/orgs.repository'
import { SMS_CODE_TTL_MINUTES } from '../sms-config/sms-config.service'
import {
  consumeCode,
  countedRequestTimes,
  findFollowQr,
  insertFollowQr,
  insertSmsCode,
  latestIssuedCode,
  setSmsCode,
  takeAttempt,
  type CodeScope,
} from './h5-binding.repository'
import type { H5Session } from './h5-session'

export const CODE_TTL_MS = SMS_CODE_TTL_MINUTES * 60_000
export const MAX_CODE_ATTEMPTS = 5

/** [scope, window, max, what the employee is told]: checked in this order, the first one over wins. */
interface Limit {
  scope: CodeScope
  windowMs: number
  max: number
  message: string
}
const MINUTE = 60_000
const HOUR = 60 * MINUTE

export function codeLimits(orgId: number, mobile: string, openid: string, ip: string): Limit[] {
  return [
    { scope: { orgId, mobile }, windowMs: MINUTE, max: 1, message: '验证码发送过于频繁' },
    { scope: { orgId, mobile }, windowMs: HOUR, max: 5, message: '该手机号 1 小时内获取验证码已达 5 次' },
    { scope: { openid }, windowMs: HOUR, max: 10, message: '您 1 小时内获取验证码次数过多' },
    { scope: { ip }, windowMs: HOUR, max: 30, message: '当前网络 1 小时内获取验证码次数过多' },
  ]
}

export function maskMobile(mobile: string): string {
  return mobile.length === 11 ? `${mobile.slice(0, 3)}****${mobile.slice(7)}` : mobile
}

/** Only enough of an openid to tell two apart in the audit log. */
const maskOpenid = (openid: string) => `${openid.slice(0, 6)}…${openid.slice(-4)}`

function parse<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } },
  raw: unknown,
): T {
  const r = schema.safeParse(raw)
  if (!r.success) throw new InvalidInputError(r.error.issues.map((i) => i.message).join('；'))
  return r.data
}

const codeHash = (deps: Deps, codeId: number, code: string) => deps.secrets.mac('sms-code', `${codeId}:${code}`)

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

async function registeredEmployee(deps: Deps, orgId: number, mobile: string): Promise<EmployeeRow> {
  const employee = await findEmployeeByMobile(deps.db, orgId, mobile)
  if (!employee) throw new InvalidInputError('该手机号未登记，请联系管理员')
  return employee
}

/** Whether the fan follows the account; null when the platform cannot be asked now (the page then shows no hint). */
export async function followsAccount(deps: Deps, orgId: number, openid: string): Promise<boolean | null> {
  try {
    const oa = await deps.oa.for(orgId)
    return (await oa.user.info(openid)).subscribe === 1
  } catch (err) {
    deps.log.warn({ err, orgId }, 'user/info failed; follow state unknown')
    return null
  }
}

/** The scene of an org's follow QR: the subscribe/SCAN EventKey names the org on an account shared by several. */
export const followScene = (orgId: number) => `org_${orgId}`

/** The org's permanent follow QR under the account it uses (created once per account), drawn as a PNG data URL. */
export async function followQrDataUrl(deps: Deps, orgId: number): Promise<string | null> {
  try {
    const oa = await deps.oa.for(orgId)
    let row = await findFollowQr(deps.db, orgId, oa.accountId)
    if (!row) {
      const created = await oa.qrcode.create({
        action_name: 'QR_LIMIT_STR_SCENE',
        action_info: { scene: { scene_str: followScene(orgId) } },
      })
      try {
        await insertFollowQr(deps.db, {
          org_id: orgId,
          account_id: oa.accountId,
          scene: followScene(orgId),
          url: created.url,
          created_at: deps.clock.now(),
        })
      } catch (err) {
        // Two pages opened at once: the same permanent scene, so the other's row is as good.
        if (!isDuplicateKey(err)) throw err
      }
      row = await findFollowQr(deps.db, orgId, oa.accountId)
    }
    return row ? await QRCode.toDataURL(row.url, { margin: 1, width: 240 }) : null
  } catch (err) {
    deps.log.warn({ err, orgId }, 'follow QR unavailable')
    return null
  }
}

export async function h5Me(deps: Deps, s: H5Session): Promise<H5MeView> {
  const org = await findOrgById(deps.db, s.orgId)
  if (!org || org.status !== 'active') throw new UnauthorizedError('该机构不可用，请联系管理员')
  const oa = await deps.oa.for(s.orgId)
  const [subscribed, employee] = await Promise.all([
    followsAccount(deps, s.orgId, s.openid),
    findEmployeeByOpenid(deps.db, s.orgId, s.openid),
  ])
  return {
    orgName: org.name,
    accountName: oa.platform ? '' : org.name,
    subscribed,
    followQr: subscribed === false ? await followQrDataUrl(deps, s.orgId) : null,
    employee: employee
      ? { name: employee.name, mobileMasked: maskMobile(employee.mobile), boundAt: employee.bound_at ?? employee.updated_at }
      : null,
  }
}

/**
 * 获取验证码. The request is recorded before any limit is judged (with itself counted), so a burst from several
 * instances cannot slip more through than the limit; only then is a code drawn, hashed and sent.
 */
export async function sendBindCode(deps: Deps, s: H5Session, ip: string, raw: unknown): Promise<H5CodeSent> {
  const { mobile } = parse(h5SendCodeInput, raw)
  await registeredEmployee(deps, s.orgId, mobile)
  const now = deps.clock.now()
  const id = await insertSmsCode(deps.db, {
    org_id: s.orgId,
    mobile,
    openid: s.openid,
    ip: ip.slice(0, 64),
    status: 'pending',
    code_hash: null,
    error: null,
    expires_at: now + CODE_TTL_MS,
    created_at: now,
  })
  for (const limit of codeLimits(s.orgId, mobile, s.openid, ip.slice(0, 64))) {
    const times = await countedRequestTimes(deps.db, limit.scope, now - limit.windowMs, id)
    if (times.length > limit.max) {
      await setSmsCode(deps.db, id, { status: 'refused', error: limit.message })
      const retryAfterSec = Math.max(1, Math.ceil((times[times.length - 1 - limit.max]! + limit.windowMs - now) / 1000))
      throw new RateLimitedError(`${limit.message}，请 ${retryAfterSec} 秒后再试`, retryAfterSec)
    }
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
  await setSmsCode(deps.db, id, { status: 'pending', code_hash: codeHash(deps, id, code) })
  try {
    const sms = await deps.sms.for(s.orgId)
    await sms.client.sendCode(mobile, sms.codeTemplateId, [code, String(SMS_CODE_TTL_MINUTES)])
  } catch (err) {
    await setSmsCode(deps.db, id, {
      status: 'failed',
      code_hash: null,
      error: (err instanceof Error ? err.message : String(err)).slice(0, 255),
    })
    throw err
  }
  await setSmsCode(deps.db, id, { status: 'sent' })
  return { mobileMasked: maskMobile(mobile), expiresInSec: CODE_TTL_MS / 1000, resendAfterSec: 60 }
}

/** The latest code for (mobile, openid), counted as one attempt and spent when right. */
async function spendCode(deps: Deps, s: H5Session, mobile: string, code: string): Promise<void> {
  const row = await latestIssuedCode(deps.db, s.orgId, mobile, s.openid)
  if (!row) throw new InvalidInputError('请先获取验证码')
  if (row.status === 'used') throw new InvalidInputError('验证码已使用，请重新获取')
  if (row.expires_at <= deps.clock.now()) throw new InvalidInputError('验证码已过期，请重新获取')
  if (!(await takeAttempt(deps.db, row.id, MAX_CODE_ATTEMPTS))) throw new InvalidInputError('验证码错误次数过多，请重新获取')
  if (!row.code_hash || !sameHash(row.code_hash, codeHash(deps, row.id, code))) {
    const left = MAX_CODE_ATTEMPTS - (row.attempts + 1)
    throw new InvalidInputError(left > 0 ? `验证码错误，还可尝试 ${left} 次` : '验证码错误次数过多，请重新获取')
  }
  if (!(await consumeCode(deps.db, row.id))) throw new InvalidInputError('验证码已使用，请重新获取')
}

export interface BindResult {
  name: string
  mobileMasked: string
  boundAt: number
  /** The employee who held this openid before (now unbound), if another. */
  replacedEmployeeId: number | null
  /** The openid this employee was bound to before, if another. */
  replacedOpenid: boolean
}

/**
 * 绑定: the code, then one transaction that moves the openid to the employee of this mobile (an openid binds to one
 * employee per org; the unique key holds it if two binds race, and the loser runs again and takes over).
 */
export async function bindMobile(deps: Deps, s: H5Session, ip: string, raw: unknown): Promise<BindResult> {
  const { mobile, code } = parse(h5BindInput, raw)
  await registeredEmployee(deps, s.orgId, mobile)
  await spendCode(deps, s, mobile, code)
  const subscribed = await followsAccount(deps, s.orgId, s.openid)
  const now = deps.clock.now()
  let result: BindResult | undefined
  for (let attempt = 1; !result; attempt++) {
    try {
      result = await writeTransaction(deps.db, async (trx) => {
        const employee = await findEmployeeByMobile(trx, s.orgId, mobile)
        if (!employee) throw new InvalidInputError('该手机号未登记，请联系管理员')
        const holder = await findEmployeeByOpenid(trx, s.orgId, s.openid)
        if (holder && holder.id !== employee.id) await clearOpenid(trx, s.orgId, s.openid, now)
        await setEmployee(trx, s.orgId, employee.id, {
          openid: s.openid,
          bound_at: now,
          follows_oa: subscribed === false ? 0 : 1,
          updated_at: now,
        })
        return {
          name: employee.name,
          mobileMasked: maskMobile(mobile),
          boundAt: now,
          replacedEmployeeId: holder && holder.id !== employee.id ? holder.id : null,
          replacedOpenid: !!employee.openid && employee.openid !== s.openid,
        }
      })
    } catch (err) {
      if (!isDuplicateKey(err) || attempt >= 3) throw err
    }
  }
  await writeActorAudit(deps, {
    orgId: s.orgId,
    actor: `员工:${result.name}`,
    action: result.replacedEmployeeId || result.replacedOpenid ? 'h5.rebind' : 'h5.bind',
    input: {
      mobile: result.mobileMasked,
      openid: maskOpenid(s.openid),
      replacedEmployeeId: result.replacedEmployeeId,
      replacedOpenid: result.replacedOpenid,
    },
    ok: true,
    ip,
  })
  return result
}

/** 解除绑定 from the page: only the binding of the openid this session proves. */
export async function unbindSelf(deps: Deps, s: H5Session, ip: string): Promise<{ ok: true }> {
  const employee = await findEmployeeByOpenid(deps.db, s.orgId, s.openid)
  if (!employee) throw new InvalidInputError('当前微信未绑定员工')
  await clearOpenid(deps.db, s.orgId, s.openid, deps.clock.now())
  await writeActorAudit(deps, {
    orgId: s.orgId,
    actor: `员工:${employee.name}`,
    action: 'h5.unbind',
    input: { openid: maskOpenid(s.openid) },
    ok: true,
    ip,
  })
  return { ok: true }
}

/** wx.config for exactly this page: only our own H5 URLs are signed, and never with a fragment. */
export async function jsSdkConfig(deps: Deps, s: H5Session, raw: unknown): Promise<H5JsConfig> {
  const { url } = parse(h5JsConfigInput, raw)
  const page = url.split('#')[0]!
  if (!page.startsWith(`${deps.config.publicBaseUrl}/h5/`)) throw new InvalidInputError('只能为本站的 H5 页面签名')
  const oa = await deps.oa.for(s.orgId)
  const timestamp = Math.floor(deps.clock.now() / 1000)
  const nonceStr = randomNonce()
  let ticket: string
  try {
    ticket = await oa.jsapi.getTicket()
  } catch (err) {
    if (err instanceof PlatformError) throw new InvalidInputError(`获取 JS-SDK 凭证失败：${err.hint}`)
    throw err
  }
  return { appId: oa.appId, timestamp, nonceStr, signature: jsapiSignature({ ticket, nonceStr, timestamp, url: page }) }
}
