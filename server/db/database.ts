// The Database type: every table interface, gathered from the domain folders.
import type { Kysely, Transaction } from 'kysely'
import type { AdminUsersTable, LoginFailuresTable, SessionsTable } from '../modules/auth/auth.table'
import type { AuditLogTable } from '../modules/audit/audit.table'
import type { OrgsTable } from '../modules/orgs/orgs.table'
import type { QueueJobsTable } from '../queue/queue.table'
import type { JobLocksTable, JobRunsTable } from '../jobs/jobs.table'
import type { PlatformTokensTable } from '../platform/token.table'
import type { RateLimitsTable } from '../platform/rate-limit.table'
import type { WecomConfigsTable, WecomStaffTable } from '../modules/wecom-config/wecom-config.table'
import type { ContactWaysTable } from '../modules/contact-ways/contact-ways.table'
import type {
  CrmLeadsTable,
  CustomerFollowsTable,
  CustomersTable,
  CustomerSyncChunksTable,
  CustomerSyncRunsTable,
  CustomerSyncSeenTable,
  CustomerSyncSettingsTable,
  MessagesTable,
} from '../modules/customers/customers.table'
import type { CustomerTagsTable, TagGroupsTable, TagsTable } from '../modules/tags/tags.table'
import type { CustomerEventsTable } from '../modules/customers/customer-events.table'
import type { CallbackEventsTable, CallbackRefusalsTable, WelcomeSendsTable } from '../modules/callbacks/callbacks.table'
import type { EmployeesTable } from '../modules/employees/employees.table'
import type { OaFollowQrcodesTable, SmsCodesTable } from '../modules/h5-binding/h5-binding.table'
import type { OaAccountsTable } from '../modules/oa-config/oa-config.table'
import type { SmsConfigsTable } from '../modules/sms-config/sms-config.table'
import type { ApiKeysTable } from '../modules/api-keys/api-keys.table'
import type { IngestEventsTable } from '../modules/ingest/ingest.table'
import type { LostAlertDigestsTable, LostAlertSettingsTable } from '../modules/lost-customers/lost-customers.table'
import type { CustomerTagBatchItemsTable, CustomerTagBatchesTable } from '../modules/customers/customer-batch.table'
import type { PushConfigEmployeesTable, PushConfigsTable } from '../modules/push-configs/push-configs.table'
import type { IntentLeadsTable } from '../modules/leads/leads.table'
import type {
  AnnouncementsTable,
  InboxMessagesTable,
  NotificationDeliveriesTable,
  NotificationsTable,
  NotifyFactsTable,
  NotifySettingsTable,
} from '../modules/notifications/notifications.table'
import type {
  BroadcastBatchesTable,
  BroadcastLinksTable,
  BroadcastLinkVisitorsTable,
  BroadcastMediaTable,
  BroadcastSettingsTable,
  BroadcastsTable,
  BroadcastTargetsTable,
} from '../modules/broadcasts/broadcasts.table'
import type { BroadcastRuleSendsTable, BroadcastRulesTable, CustomerBirthdaysTable } from '../modules/broadcast-rules/broadcast-rules.table'
import type { WelcomeTemplatesTable, WelcomeTemplateUsesTable } from '../modules/welcome-templates/welcome-templates.table'

export interface Database {
  orgs: OrgsTable
  admin_users: AdminUsersTable
  sessions: SessionsTable
  login_failures: LoginFailuresTable
  audit_log: AuditLogTable
  queue_jobs: QueueJobsTable
  job_locks: JobLocksTable
  job_runs: JobRunsTable
  platform_tokens: PlatformTokensTable
  rate_limits: RateLimitsTable
  wecom_configs: WecomConfigsTable
  wecom_staff: WecomStaffTable
  contact_ways: ContactWaysTable
  customers: CustomersTable
  customer_follows: CustomerFollowsTable
  crm_leads: CrmLeadsTable
  messages: MessagesTable
  customer_events: CustomerEventsTable
  tag_groups: TagGroupsTable
  tags: TagsTable
  customer_tags: CustomerTagsTable
  callback_events: CallbackEventsTable
  callback_refusals: CallbackRefusalsTable
  welcome_sends: WelcomeSendsTable
  employees: EmployeesTable
  oa_accounts: OaAccountsTable
  sms_configs: SmsConfigsTable
  sms_codes: SmsCodesTable
  oa_follow_qrcodes: OaFollowQrcodesTable
  api_keys: ApiKeysTable
  ingest_events: IngestEventsTable
  push_configs: PushConfigsTable
  push_config_employees: PushConfigEmployeesTable
  intent_leads: IntentLeadsTable
  customer_sync_settings: CustomerSyncSettingsTable
  customer_sync_runs: CustomerSyncRunsTable
  customer_sync_chunks: CustomerSyncChunksTable
  customer_sync_seen: CustomerSyncSeenTable
  notify_settings: NotifySettingsTable
  notify_facts: NotifyFactsTable
  notifications: NotificationsTable
  notification_deliveries: NotificationDeliveriesTable
  inbox_messages: InboxMessagesTable
  announcements: AnnouncementsTable
  broadcasts: BroadcastsTable
  broadcast_batches: BroadcastBatchesTable
  broadcast_targets: BroadcastTargetsTable
  broadcast_settings: BroadcastSettingsTable
  broadcast_media: BroadcastMediaTable
  broadcast_links: BroadcastLinksTable
  broadcast_link_visitors: BroadcastLinkVisitorsTable
  welcome_templates: WelcomeTemplatesTable
  welcome_template_uses: WelcomeTemplateUsesTable
  broadcast_rules: BroadcastRulesTable
  broadcast_rule_sends: BroadcastRuleSendsTable
  customer_birthdays: CustomerBirthdaysTable
  lost_alert_settings: LostAlertSettingsTable
  lost_alert_digests: LostAlertDigestsTable
  customer_tag_batches: CustomerTagBatchesTable
  customer_tag_batch_items: CustomerTagBatchItemsTable
}

export type DB = Kysely<Database>
/** Anything queries can run on: the pool or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>
