// Scheduled full customer + tag sync for every org with a WeCom configuration.
import { syncCustomers } from '../modules/customers/customers.sync'
import { findActiveConfiguredOrgIds } from '../modules/wecom-config/wecom-config.repository'
import { defineJob } from './scheduler'

export const syncCustomersJob = defineJob({
  name: 'sync-customers',
  title: '同步企业微信客户与标签',
  // Nightly, outside clinic hours; admins can also run it at once from 任务.
  schedule: '0 2 * * *',
  async run(ctx) {
    const orgs = await findActiveConfiguredOrgIds(ctx.deps.db)
    const totals = { orgs: orgs.length, failedOrgs: 0, relations: 0, customersCreated: 0, relationsLost: 0 }
    for (const [i, org] of orgs.entries()) {
      if (ctx.signal.aborted) break
      try {
        const r = await syncCustomers(ctx.deps, org.id)
        totals.relations += r.relations
        totals.customersCreated += r.customersCreated
        totals.relationsLost += r.relationsLost
      } catch (err) {
        // One org's broken config must not stop the others; its error is in the log and the counters.
        totals.failedOrgs++
        ctx.log.warn({ err, orgId: org.id }, 'customer sync failed for an org')
      }
      await ctx.progress(i + 1, orgs.length)
    }
    if (totals.failedOrgs > 0 && totals.failedOrgs === orgs.length) throw new Error(`所有机构同步失败（${orgs.length} 个）`)
    return totals
  },
})
