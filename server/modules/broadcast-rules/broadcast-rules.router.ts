// broadcastRules.*: automation rules that send broadcasts by themselves each day, and the birthday field they read.
import { idInput } from '../../../shared/schemas/common'
import {
  birthdayCsvInput,
  broadcastRuleSaveInput,
  broadcastRuleUpdateInput,
  customerBirthdayInput,
} from '../../../shared/schemas/broadcast-rule'
import { orgAdminProcedure, orgProcedure, router } from '../../trpc/init'
import {
  createBroadcastRule,
  getCustomerBirthday,
  listBroadcastRules,
  runBroadcastRuleNow,
  setCustomerBirthday,
  updateBroadcastRule,
} from './broadcast-rules.service'
import { importBirthdaysCsv } from './broadcast-rules.birthdays'

export const broadcastRulesRouter = router({
  list: orgProcedure.query(({ ctx }) => listBroadcastRules(ctx.deps, ctx.orgId)),
  create: orgAdminProcedure.input(broadcastRuleSaveInput).mutation(({ ctx, input }) => createBroadcastRule(ctx.deps, ctx.orgId, input)),
  update: orgAdminProcedure.input(broadcastRuleUpdateInput).mutation(({ ctx, input }) => updateBroadcastRule(ctx.deps, ctx.orgId, input)),
  runNow: orgAdminProcedure.input(idInput).mutation(({ ctx, input }) => runBroadcastRuleNow(ctx.deps, ctx.orgId, input.id)),
  birthday: orgProcedure.input(idInput).query(({ ctx, input }) => getCustomerBirthday(ctx.deps, ctx.orgId, input.id)),
  /** 导入生日: a dry run reports every row's problems; the real run stores the valid rows. */
  importBirthdays: orgAdminProcedure.input(birthdayCsvInput).mutation(({ ctx, input }) => importBirthdaysCsv(ctx.deps, ctx.orgId, input)),
  setBirthday: orgAdminProcedure.input(customerBirthdayInput).mutation(({ ctx, input }) => setCustomerBirthday(ctx.deps, ctx.orgId, input)),
})
