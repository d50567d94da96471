// Building blocks shared by the seeds and the control API: corps with fresh secrets, members, customers, relations.
import { randomBytes } from 'node:crypto'
import type { z } from 'zod'
import { type SandboxContext, sandboxUrl } from './context'
import type { createCorpInput, departmentInput, memberInput } from './control/schemas'
import { ControlError } from './errors'
import { HEX, type Prng } from './ids'
import { type CallbackConfig, CorpState, type Customer, type Follow } from './state'

/** A corpsecret-like string: 43 url-safe characters, from real randomness (never a literal in the repo). */
export function generateSecret(): string {
  return randomBytes(33).toString('base64url').slice(0, 43)
}

export function requireCorp(ctx: SandboxContext, corpid: string): CorpState {
  const corp = ctx.state.corps.get(corpid)
  if (!corp) throw new ControlError(404, `no corp ${corpid}`)
  return corp
}

export function addDepartments(corp: CorpState, departments: z.output<typeof departmentInput>[]): void {
  for (const d of departments) corp.departments.set(d.id, { id: d.id, name: d.name, parentid: d.id === 1 ? 0 : d.parentid, order: d.order })
}

export function addMembers(corp: CorpState, members: z.output<typeof memberInput>[]): void {
  for (const m of members) {
    for (const d of m.department) if (!corp.departments.has(d)) throw new ControlError(400, `member ${m.userid}: no department ${d}`)
    corp.members.set(m.userid, {
      userid: m.userid,
      name: m.name,
      department: m.department,
      position: m.position,
      mobile: m.mobile,
      customerContact: m.customer_contact,
    })
  }
}

export function createCorp(ctx: SandboxContext, input: z.output<typeof createCorpInput>): CorpState {
  const corpid = input.corpid ?? ctx.state.ids.next('ww', 18, HEX)
  if (ctx.state.corps.has(corpid)) throw new ControlError(409, `corp ${corpid} already exists`)
  const appsIn = input.apps ?? [
    { name: '客户联系', kind: 'contact' as const },
    { name: '应用', kind: 'agent' as const },
  ]
  let nextAgent = 1000002
  const apps = appsIn.map((a) => {
    const agentid = a.agentid ?? nextAgent
    nextAgent = Math.max(nextAgent, agentid) + 1
    return { agentid, name: a.name, kind: a.kind, secret: generateSecret() }
  })
  if (new Set(apps.map((a) => a.agentid)).size !== apps.length) throw new ControlError(400, 'agentids must be unique')
  const corp = new CorpState(corpid, input.name, apps, input.callback ?? null)
  corp.departments.set(1, { id: 1, name: input.name, parentid: 0, order: 0 })
  addDepartments(corp, input.departments ?? [])
  addMembers(corp, input.members ?? [])
  ctx.state.corps.set(corpid, corp)
  ctx.changed()
  return corp
}

export function setCallback(ctx: SandboxContext, corp: CorpState, cb: CallbackConfig | null): void {
  corp.callback = cb
  ctx.changed()
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈任姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
const GIVEN =
  '婷静敏丽娜芳燕玲雪慧琳欣怡佳颖晶莹洁萍红霞倩瑶雯悦彤诗涵梓萱可馨子琪雨思梦晨露月蕾菲薇妍娟秀兰凤英华梅文杰伟强磊军洋勇涛明超浩宇轩博鹏飞'

/** A plausible Chinese name from the seeded PRNG (deterministic per seed). */
export function chineseName(prng: Prng): string {
  const surname = SURNAMES[prng.int(SURNAMES.length)]
  const len = prng.next() < 0.55 ? 2 : 1
  let given = ''
  for (let i = 0; i < len; i++) given += GIVEN[prng.int(GIVEN.length)]
  return surname + given
}

export function avatarUrl(ctx: SandboxContext, externalUserid: string): string {
  return sandboxUrl(ctx, `/wecom/avatar/${externalUserid}.svg`)
}

export function newCustomer(ctx: SandboxContext, corp: CorpState, fields: Partial<Omit<Customer, 'external_userid'>> = {}): Customer {
  const prng = ctx.state.ids.prng
  const external_userid = ctx.state.ids.next('wm', 32)
  const customer: Customer = {
    external_userid,
    name: fields.name ?? chineseName(prng),
    avatar: fields.avatar ?? avatarUrl(ctx, external_userid),
    type: fields.type ?? 1,
    gender: fields.gender ?? (prng.next() < 0.8 ? 2 : 1),
    unionid: fields.unionid ?? `o${ctx.state.ids.next('', 27)}`,
  }
  corp.customers.set(external_userid, customer)
  return customer
}

export function newFollow(
  corp: CorpState,
  f: Omit<Follow, 'seq' | 'status' | 'temp_chat_until' | 'temp_chat_closed' | 'remark_corp_name' | 'remark_mobiles'> & Partial<Follow>,
): Follow {
  const follow: Follow = {
    remark_corp_name: '',
    remark_mobiles: [],
    status: 'active',
    temp_chat_until: 0,
    temp_chat_closed: false,
    ...f,
    seq: corp.nextSeq(),
  }
  corp.addFollow(follow)
  return follow
}
