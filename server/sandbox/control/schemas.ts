// Input schemas of the control API; the HTTP routes and the in-process `control` object both parse with these.
import { z } from 'zod'

const userid = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'userid: 1–64 of letters, digits, _ - . @')
const corpid = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'corpid: 1–64 of letters, digits, _ -')
const encodingAesKey = z.string().regex(/^[a-zA-Z0-9]{43}$/, 'encodingAesKey must be 43 characters of [a-zA-Z0-9]')
/** After the callback's 3 tries are over (true, the default) or as soon as the first try starts (false). */
const wait = z.boolean().default(true)

export const resetInput = z.object({ seed: z.enum(['demo', 'none']).optional() }).strict()

export const memberInput = z
  .object({
    userid,
    name: z.string().min(1).max(64),
    department: z.array(z.number().int().positive()).min(1).default([1]),
    position: z.string().max(128).default(''),
    mobile: z.string().max(32).default(''),
    customer_contact: z.boolean().default(true),
  })
  .strict()

export const departmentInput = z
  .object({
    id: z.number().int().positive(),
    name: z.string().min(1).max(64),
    parentid: z.number().int().min(0).default(1),
    order: z.number().int().default(0),
  })
  .strict()

export const callbackInput = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    token: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'token: 1–32 letters or digits'),
    encodingAesKey,
  })
  .strict()

export const createCorpInput = z
  .object({
    corpid: corpid.optional(),
    name: z.string().min(1).max(64),
    apps: z
      .array(
        z
          .object({ name: z.string().min(1).max(64), kind: z.enum(['contact', 'agent']), agentid: z.number().int().positive().optional() })
          .strict(),
      )
      .min(1)
      .optional(),
    departments: z.array(departmentInput).optional(),
    members: z.array(memberInput).optional(),
    callback: callbackInput.optional(),
  })
  .strict()

export const addMembersInput = z.object({ members: z.array(memberInput).min(1), departments: z.array(departmentInput).optional() }).strict()

export const seedBulkInput = z
  .object({
    customers: z.number().int().min(1).max(1_000_000),
    /** Members to spread customers over; default every member with customer contact (10 are created if none). */
    userids: z.array(userid).min(1).optional(),
    followers_per_customer: z.number().int().min(1).max(5).default(1),
    /** Corp tags put on each relation, drawn from the live tags. */
    tags_per_relation: z.number().int().min(0).max(10).default(0),
    /** Add times spread evenly over this many days before now. */
    span_days: z.number().int().min(1).max(3650).default(60),
    states: z.array(z.string().max(30)).default(['xiaohongshu', 'douyin', 'pengyouquan', 'baidu', 'offline']),
  })
  .strict()

export const scanInput = z
  .object({
    config_id: z.string().min(1),
    /** An existing customer scans; omit to create a new one. */
    external_userid: z.string().min(1).optional(),
    customer: z
      .object({
        name: z.string().min(1).max(64).optional(),
        gender: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
        avatar: z.string().max(1024).optional(),
        unionid: z.string().max(64).optional(),
      })
      .strict()
      .optional(),
    /** For multi-user ways: which member is added (default: round-robin over the way's members). */
    userid: userid.optional(),
    /** add_half_external_contact models a skip-verify add the member has not confirmed yet. */
    event: z.enum(['add_external_contact', 'add_half_external_contact']).default('add_external_contact'),
    wait,
  })
  .strict()

export const relationInput = z.object({ userid, external_userid: z.string().min(1), wait }).strict()

export const staffDeletesInput = relationInput.extend({ source: z.enum(['DELETE_BY_TRANSFER']).optional() }).strict()

export const editContactInput = relationInput
  .extend({
    remark: z.string().max(20).optional(),
    description: z.string().max(150).optional(),
    add_tag: z.array(z.string()).default([]),
    remove_tag: z.array(z.string()).default([]),
  })
  .strict()

const order = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)

export const tagChangeInput = z.discriminatedUnion('change_type', [
  z.discriminatedUnion('tag_type', [
    z
      .object({
        change_type: z.literal('create'),
        tag_type: z.literal('tag_group'),
        group_name: z.string().min(1).max(30),
        order: order.default(0),
        tags: z.array(z.string().min(1).max(30)).min(1),
        wait,
      })
      .strict(),
    z
      .object({
        change_type: z.literal('create'),
        tag_type: z.literal('tag'),
        group_id: z.string().min(1),
        name: z.string().min(1).max(30),
        order: order.default(0),
        wait,
      })
      .strict(),
  ]),
  z
    .object({
      change_type: z.literal('update'),
      id: z.string().min(1),
      name: z.string().min(1).max(30).optional(),
      order: order.optional(),
      wait,
    })
    .strict(),
  z.object({ change_type: z.literal('delete'), id: z.string().min(1), wait }).strict(),
  /** ids in their new order, first = front; group_id reorders tags inside it, without it ids are groups. */
  z
    .object({ change_type: z.literal('shuffle'), group_id: z.string().min(1).optional(), ids: z.array(z.string().min(1)).min(1), wait })
    .strict(),
])

/** Customer groups are not modelled; this only sends the event, for receivers that dispatch on it. */
export const chatEventInput = z
  .object({
    chat_id: z.string().min(1).max(64),
    change_type: z.enum(['create', 'update', 'dismiss']),
    update_detail: z.enum(['add_member', 'del_member', 'change_owner', 'change_name', 'change_notice']).optional(),
    join_scene: z.number().int().min(0).optional(),
    quit_scene: z.number().int().min(0).optional(),
    mem_change_cnt: z.number().int().min(0).optional(),
    wait,
  })
  .strict()

export const inboundMessageInput = z
  .object({ userid, content: z.string().min(1).max(2048), agentid: z.number().int().positive().optional(), wait })
  .strict()

export const confirmGroupMsgInput = z.object({ msgid: z.string().min(1), userid: userid.optional() }).strict()

export const quotaInput = z.object({ per_month: z.number().int().min(0).max(1000).nullable() }).strict()

export const oauthCodeInput = z.union([
  z.object({ userid }).strict(),
  z.object({ openid: z.string().min(1).max(64), external_userid: z.string().min(1).optional() }).strict(),
])

const faultRule = z
  .object({
    endpoint: z.string().min(1).optional(),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    jitterMs: z.number().int().min(0).max(120_000).optional(),
    errorRate: z.number().min(0).max(1).optional(),
    errorCodes: z.array(z.number().int()).min(1).optional(),
    timeoutRate: z.number().min(0).max(1).optional(),
    timeoutMode: z.enum(['hang', 'delay']).optional(),
    timeoutAfterMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict()

export const faultsInput = z.object({ rules: z.array(faultRule), seed: z.number().int().optional() }).strict()

export const invalidateInput = z.object({ corpid: z.string().min(1).optional() }).strict()

export const logKinds = ['welcome', 'mark_tag', 'remark', 'app_messages', 'callbacks', 'temp_chat'] as const
export const logsInput = z
  .object({ kind: z.enum(logKinds), corpid: z.string().optional(), limit: z.coerce.number().int().min(1).max(20_000).optional() })
  .strict()
