// Seed data: the demo clinic (staff, channels, tags, ~60 customers) and bulk customers for benchmarks; deterministic.
import type { z } from 'zod'
import type { SandboxContext } from './context'
import type { seedBulkInput } from './control/schemas'
import { addMembers, avatarUrl, chineseName, createCorp, newCustomer, newFollow } from './corps'
import { ControlError } from './errors'
import { HEX, Prng } from './ids'
import type { ContactWay, CorpState, Customer, Follow, Tag } from './state'
import { addTagToGroup, createGroup } from './wecom/tag'

export const DEMO_CORP_NAME = '示例医美诊所'
/** The demo's own PRNG seed, separate from the id sequence so tweaking choices never shifts ids. */
const DEMO_SEED = 60_060

const CHANNELS = [
  { state: 'xiaohongshu', tag: '小红书', remark: '小红书笔记渠道码', weight: 30 },
  { state: 'douyin', tag: '抖音', remark: '抖音直播间渠道码', weight: 25 },
  { state: 'pengyouquan', tag: '朋友圈', remark: '朋友圈广告渠道码', weight: 18 },
  { state: 'baidu', tag: '百度', remark: '百度搜索渠道码', weight: 12 },
  { state: 'offline', tag: '线下', remark: '门店前台二维码', weight: 15 },
] as const

const STAFF = [
  { userid: 'ZhangLi', name: '张丽', department: [2], position: '资深咨询师' },
  { userid: 'WangFang', name: '王芳', department: [2], position: '咨询师' },
  { userid: 'LiNa', name: '李娜', department: [2], position: '咨询师' },
  { userid: 'LiuYang', name: '刘洋', department: [3], position: '主治医师' },
  { userid: 'ChenJing', name: '陈静', department: [3], position: '皮肤科医生' },
  { userid: 'YangMin', name: '杨敏', department: [4], position: '客服主管' },
  { userid: 'ZhaoLei', name: '赵磊', department: [4], position: '客服专员' },
  { userid: 'ZhouTing', name: '周婷', department: [4], position: '客服专员' },
]
const DOCTORS = ['LiuYang', 'ChenJing']

const TAG_GROUPS = [
  { name: '客户等级', order: 300, tags: ['A级意向', 'B级意向', 'C级意向'] },
  { name: '意向项目', order: 200, tags: ['玻尿酸', '热玛吉', '光子嫩肤', '水光针', '皮秒祛斑'] },
  { name: '来源渠道', order: 100, tags: ['小红书', '抖音', '朋友圈', '百度', '线下'] },
]

function weightedChannel(prng: Prng): (typeof CHANNELS)[number] {
  let r = prng.int(100)
  for (const c of CHANNELS) {
    if (r < c.weight) return c
    r -= c.weight
  }
  return CHANNELS[0]
}

/** The demo clinic. Times are relative to the sandbox clock, everything else is fixed by the seeds. */
export function seedDemo(ctx: SandboxContext): CorpState {
  const prng = new Prng(DEMO_SEED)
  const now = ctx.clock.now()
  const nowS = Math.floor(now / 1000)
  const corp = createCorp(ctx, {
    name: DEMO_CORP_NAME,
    apps: [
      { name: '客户联系', kind: 'contact' },
      { name: '诊所助手', kind: 'agent' },
    ],
    departments: [
      { id: 2, name: '咨询部', parentid: 1, order: 300 },
      { id: 3, name: '医生组', parentid: 1, order: 200 },
      { id: 4, name: '客服部', parentid: 1, order: 100 },
    ],
  })
  addMembers(
    corp,
    STAFF.map((s, i) => ({ ...s, mobile: `1380013${String(i + 1).padStart(4, '0')}`, customer_contact: true })),
  )

  const tagByName = new Map<string, Tag>()
  for (const g of TAG_GROUPS) {
    const group = createGroup(ctx.state.ids, corp, g.name, g.order, nowS - 90 * 86400)
    g.tags.forEach((name, i) =>
      tagByName.set(name, addTagToGroup(ctx.state.ids, corp, group, name, (g.tags.length - i) * 10, nowS - 90 * 86400)),
    )
  }

  const wayByState = new Map<string, ContactWay>()
  for (const c of CHANNELS) {
    const way: ContactWay = {
      seq: corp.nextSeq(),
      config_id: ctx.state.ids.next('', 32, HEX),
      type: 2,
      scene: 2,
      remark: c.remark,
      skip_verify: true,
      state: c.state,
      user: c.state === 'offline' ? ['YangMin', 'ZhaoLei', 'ZhouTing'] : ['ZhangLi', 'WangFang', 'LiNa'],
      party: [],
      is_temp: false,
      is_exclusive: false,
      created_at: now - 70 * 86400_000,
      used_at: 0,
      next_pick: 0,
    }
    corp.contactWays.set(way.config_id, way)
    wayByState.set(c.state, way)
  }

  // Draw all customers first, then insert oldest first, so relation order matches add time as on the platform.
  const drafts = Array.from({ length: 60 }, () => {
    const channel = weightedChannel(prng)
    return {
      channel,
      createtime: nowS - prng.int(60 * 86400),
      name: chineseName(prng),
      male: prng.next() < 0.15,
      unionid: prng.next() < 0.7,
    }
  }).sort((a, b) => a.createtime - b.createtime)

  const levels = ['A级意向', 'B级意向', 'C级意向']
  const projects = ['玻尿酸', '热玛吉', '光子嫩肤', '水光针', '皮秒祛斑']
  for (const d of drafts) {
    const customer: Customer = newCustomer(ctx, corp, { name: d.name, gender: d.male ? 1 : 2, unionid: d.unionid ? undefined : '' })
    const way = wayByState.get(d.channel.state) as ContactWay
    const userid = way.user[way.next_pick++ % way.user.length]
    const project = prng.pick(projects)
    const tags = [prng.pick(levels), project, d.channel.tag]
    if (prng.next() < 0.3) tags.push(prng.pick(projects.filter((p) => p !== project)))
    const f: Follow = newFollow(corp, {
      userid,
      external_userid: customer.external_userid,
      remark: prng.next() < 0.5 ? `${d.name}-${project}` : '',
      description: prng.next() < 0.3 ? `咨询${project}，预算待确认` : '',
      createtime: d.createtime,
      tags: tags.map((t) => (tagByName.get(t) as Tag).id),
      oper_userid: customer.external_userid,
      add_way: 1,
      state: d.channel.state,
      config_id: way.config_id,
    })
    if (prng.next() < 0.3) f.remark_mobiles = [`139${String(prng.int(1e8)).padStart(8, '0')}`]
    // Some customers are also handed to a doctor by their consultant (201: shared by a member).
    if (prng.next() < 0.12) {
      newFollow(corp, {
        userid: prng.pick(DOCTORS),
        external_userid: customer.external_userid,
        remark: '',
        description: '',
        createtime: Math.min(nowS - 60, d.createtime + 3600 + prng.int(5 * 86400)),
        tags: [],
        oper_userid: userid,
        add_way: 201,
        state: '',
        config_id: '',
      })
    }
  }
  ctx.changed()
  return corp
}

/**
 * Many customers fast (100 000 in well under a few seconds): objects are built directly and pushed
 * into the indexes, with no validation per item and no snapshot until the end.
 */
export function seedBulk(
  ctx: SandboxContext,
  corp: CorpState,
  input: z.output<typeof seedBulkInput>,
): { customers: number; relations: number; ms: number } {
  const t0 = performance.now()
  let userids = input.userids ?? [...corp.members.values()].filter((m) => m.customerContact).map((m) => m.userid)
  if (userids.length === 0) {
    userids = Array.from({ length: 10 }, (_, i) => `bulk_user_${i + 1}`)
    addMembers(
      corp,
      userids.map((userid, i) => ({ userid, name: `批量员工${i + 1}`, department: [1], position: '', mobile: '', customer_contact: true })),
    )
  }
  for (const u of userids)
    if (!corp.members.get(u)?.customerContact) throw new ControlError(400, `member ${u} does not exist or has no customer contact`)
  const followers = Math.min(input.followers_per_customer, userids.length)
  const liveTags = [...corp.tags.values()].filter((t) => !t.deleted).map((t) => t.id)
  const tagsPer = Math.min(input.tags_per_relation, liveTags.length)
  const ids = ctx.state.ids
  const prng = ids.prng
  const nowS = Math.floor(ctx.clock.now() / 1000)
  const spanS = input.span_days * 86400
  const n = input.customers
  let relations = 0
  for (let i = 0; i < n; i++) {
    const external_userid = ids.next('wm', 32)
    corp.customers.set(external_userid, {
      external_userid,
      name: chineseName(prng),
      avatar: avatarUrl(ctx, external_userid),
      type: 1,
      gender: prng.next() < 0.8 ? 2 : 1,
      unionid: '',
    })
    const createtime = nowS - spanS + Math.floor((i * spanS) / n)
    const state = input.states.length ? input.states[i % input.states.length] : ''
    for (let k = 0; k < followers; k++) {
      const tags: string[] = []
      for (let t = 0; t < tagsPer; t++) tags.push(liveTags[(i + t * 7 + k) % liveTags.length])
      corp.addFollow({
        seq: ++corp.seq,
        userid: userids[(i + k) % userids.length],
        external_userid,
        remark: '',
        description: '',
        createtime: createtime + k * 60,
        tags: tagsPer ? [...new Set(tags)] : tags,
        remark_corp_name: '',
        remark_mobiles: [],
        oper_userid: external_userid,
        add_way: 1,
        state,
        status: 'active',
        config_id: '',
        temp_chat_until: 0,
        temp_chat_closed: false,
      })
      relations++
    }
  }
  ctx.changed()
  return { customers: n, relations, ms: Math.round(performance.now() - t0) }
}
