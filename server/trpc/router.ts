// The root router: one sub-router per domain. Clients import only `type AppRouter`.
import { authRouter } from '../modules/auth/auth.router'
import { auditRouter } from '../modules/audit/audit.router'
import { orgsRouter } from '../modules/orgs/orgs.router'
import { usersRouter } from '../modules/users/users.router'
import { queueRouter } from '../queue/queue.router'
import { jobsRouter } from '../jobs/jobs.router'
import { wecomConfigRouter } from '../modules/wecom-config/wecom-config.router'
import { customersRouter } from '../modules/customers/customers.router'
import { tagsRouter } from '../modules/tags/tags.router'
import { contactWaysRouter } from '../modules/contact-ways/contact-ways.router'
import { employeesRouter } from '../modules/employees/employees.router'
import { lostCustomersRouter } from '../modules/lost-customers/lost-customers.router'
import { oaConfigRouter } from '../modules/oa-config/oa-config.router'
import { smsConfigRouter } from '../modules/sms-config/sms-config.router'
import { h5Router } from '../modules/h5-binding/h5-binding.router'
import { notifyRouter } from '../modules/notifications/notifications.router'
import { pushConfigsRouter } from '../modules/push-configs/push-configs.router'
import { leadsRouter } from '../modules/leads/leads.router'
import { apiKeysRouter } from '../modules/api-keys/api-keys.router'
import { ingestRouter } from '../modules/ingest/ingest.router'
import { broadcastsRouter } from '../modules/broadcasts/broadcasts.router'
import { staffMessagesRouter } from '../modules/staff-messages/staff-messages.router'
import { welcomeTemplatesRouter } from '../modules/welcome-templates/welcome-templates.router'
import { broadcastRulesRouter } from '../modules/broadcast-rules/broadcast-rules.router'
import { dashboardRouter } from '../modules/dashboard/dashboard.router'
import { createCallerFactory, router } from './init'

export const appRouter = router({
  auth: authRouter,
  orgs: orgsRouter,
  users: usersRouter,
  audit: auditRouter,
  queue: queueRouter,
  jobs: jobsRouter,
  wecomConfig: wecomConfigRouter,
  customers: customersRouter,
  tags: tagsRouter,
  contactWays: contactWaysRouter,
  employees: employeesRouter,
  lostCustomers: lostCustomersRouter,
  oaConfig: oaConfigRouter,
  smsConfig: smsConfigRouter,
  h5: h5Router,
  notify: notifyRouter,
  pushConfigs: pushConfigsRouter,
  leads: leadsRouter,
  apiKeys: apiKeysRouter,
  ingest: ingestRouter,
  broadcasts: broadcastsRouter,
  staffMessages: staffMessagesRouter,
  welcomeTemplates: welcomeTemplatesRouter,
  broadcastRules: broadcastRulesRouter,
  dashboard: dashboardRouter,
})

export type AppRouter = typeof appRouter
export const createCaller = createCallerFactory(appRouter)
