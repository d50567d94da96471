// Scheduled customer sync: each org at its own hour (default 02:00 Beijing time), unfinished passes resumed; 立即执行 runs every org.
import { ConflictError } from '../lib/errors'
import { dueOrgSyncs } from '../modules/customers/customers.service'
import { runOrgSync } from '../modules/customers/customers.sync'
import { defineJob } from './scheduler'

export const syncCustomersJob = defineJob({
  name: 'sync-customers',
  title: '同步企业微信客户与标签（各机构在设定的时间）',
  // Hourly: each org is due in the hour its setting names; a pass a dead instance left is resumed at the next tick.
  schedule: '0 * * * *',
  async run(ctx) {
    const orgs = await dueOrgSyncs(ctx.deps, ctx.trigger === 'manual')
    const totals = { orgs: orgs.length, failedOrgs: 0, busyOrgs: 0, relations: 0, created: 0, updated: 0, lost: 0 }
    for (const [i, orgId] of orgs.entries()) {
      if (ctx.signal.aborted) break
      try {
        const r = await runOrgSync(ctx.deps, orgId, { trigger: ctx.trigger === 'manual' ? 'manual' : 'scheduled', signal: ctx.signal })
        totals.relations += r.relations
        totals.created += r.created
        totals.updated += r.updated
        totals.lost += r.lost
      } catch (err) {
        // Already running (an admin's 立即同步, another instance): that run covers the org.
        if (err instanceof ConflictError) totals.busyOrgs++
        else {
          // One org's broken config must not stop the others; its error is on its own run and in the log.
          totals.failedOrgs++
          ctx.log.warn({ err, orgId }, 'customer sync failed for an org')
        }
      }
      await ctx.progress(i + 1, orgs.length)
    }
    if (totals.failedOrgs > 0 && totals.failedOrgs === orgs.length) throw new Error(`所有机构同步失败（${orgs.length} 个）`)
    return totals
  },
})
