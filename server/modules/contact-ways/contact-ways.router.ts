// contactWays.*: 「联系我」 channel QR codes — CRUD mirrored at WeCom, counts and daily stats, presets, sandbox scan.
import { z } from 'zod'
import { idInput, pageInput } from '../../../shared/schemas/common'
import { contactWayCreateInput, contactWayUpdateInput } from '../../../shared/schemas/contact-way'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import {
  channelPresets,
  closeTempChat,
  contactWayStats,
  createContactWay,
  getContactWay,
  listContactWaysPage,
  removeContactWay,
  simulateScan,
  updateContactWay,
} from './contact-ways.service'

const listInput = pageInput.extend({
  /** Searches channel name, state and remark. */
  q: z.string().trim().max(100).optional(),
  type: z.union([z.literal(1), z.literal(2)]).optional(),
  isTemp: z.boolean().optional(),
})

const MAX_STATS_SPAN_MS = 366 * 86_400_000

const statsInput = idInput
  .extend({
    /** Epoch ms, inclusive. */
    from: z.number().int().nonnegative().optional(),
    /** Epoch ms, inclusive. */
    to: z.number().int().nonnegative().optional(),
  })
  .refine((v) => v.from === undefined || v.to === undefined || v.from <= v.to, { path: ['to'], message: '结束时间不能早于开始时间' })
  .refine((v) => v.from === undefined || v.to === undefined || v.to - v.from <= MAX_STATS_SPAN_MS, {
    path: ['to'],
    message: '统计区间最长 366 天',
  })

const closeTempChatInput = z.object({
  userid: z.string().trim().min(1).max(64),
  externalUserid: z.string().trim().min(1).max(64),
})

const simulateScanInput = idInput.extend({
  /** An existing sandbox customer scans; omit to create a new one. */
  externalUserid: z.string().trim().min(1).max(64).optional(),
  /** WeChat nickname of the new customer. */
  name: z.string().trim().min(1).max(64).optional(),
})

export const contactWaysRouter = router({
  list: orgProcedure.input(listInput).query(({ ctx, input }) => listContactWaysPage(ctx.deps, ctx.orgId, input)),
  get: orgProcedure.input(idInput).query(({ ctx, input }) => getContactWay(ctx.deps, ctx.orgId, input.id)),
  create: orgAdminProcedure
    .input(contactWayCreateInput)
    .mutation(({ ctx, input }) => createContactWay(ctx.deps, ctx.orgId, ctx.user.id, input)),
  update: orgAdminProcedure.input(contactWayUpdateInput).mutation(({ ctx, input }) => updateContactWay(ctx.deps, ctx.orgId, input)),
  remove: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => removeContactWay(ctx.deps, ctx.orgId, input.id)),
  closeTempChat: orgAdminProcedure.input(closeTempChatInput).mutation(({ ctx, input }) => closeTempChat(ctx.deps, ctx.orgId, input)),
  stats: orgProcedure.input(statsInput).query(({ ctx, input }) => contactWayStats(ctx.deps, ctx.orgId, input)),
  presets: orgProcedure.query(({ ctx }) => channelPresets(ctx.deps, ctx.orgId)),
  simulateScan: orgAdminProcedure.input(simulateScanInput).mutation(({ ctx, input }) => simulateScan(ctx.deps, ctx.orgId, input)),
})
