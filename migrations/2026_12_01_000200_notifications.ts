// Notifications out: per-org settings, scene state, notifications with per-(channel, recipient) deliveries, 站内信, 公告.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notify_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    /** The unguessable path segment of the org's SMS delivery-report URL. */
    .addColumn('sms_report_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('notify_settings_org', ['org_id'])
    .addUniqueConstraint('notify_settings_report_key', ['sms_report_key'])
    .execute()

  // Facts the scene rules keep per org (run counters, balance state, pauses, processed events), one row per key.
  await db.schema
    .createTable('notify_facts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('fact_key', 'varchar(191)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('notify_facts_org_key', ['org_id', 'fact_key'])
    .execute()

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('scene', 'varchar(32)', (c) => c.notNull())
    /** What makes a "once" alert once: a second insert with the same key is a no-op, on any instance. */
    .addColumn('dedupe_key', 'varchar(191)', (c) => c.notNull())
    .addColumn('title', 'varchar(100)', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('vars', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('notifications_org_dedupe', ['org_id', 'dedupe_key'])
    .execute()
  await db.schema.createIndex('notifications_org_created').on('notifications').columns(['org_id', 'created_at']).execute()

  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('notification_id', 'integer', (c) => c.notNull())
    .addColumn('channel', 'varchar(16)', (c) => c.notNull())
    .addColumn('recipient_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('recipient_id', 'integer', (c) => c.notNull())
    .addColumn('recipient_name', 'varchar(64)', (c) => c.notNull())
    /** openid, mobile, or empty for the inbox. */
    .addColumn('address', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('error', 'text')
    /** Template msgid or SMS SerialNo: what the platform's delivery report names. */
    .addColumn('platform_id', 'varchar(64)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('notification_deliveries_once', ['notification_id', 'channel', 'recipient_kind', 'recipient_id'])
    .execute()
  await db.schema
    .createIndex('notification_deliveries_platform')
    .on('notification_deliveries')
    .columns(['org_id', 'channel', 'platform_id'])
    .execute()

  await db.schema
    .createTable('inbox_messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('notification_id', 'integer')
    /** Warnings to admins carry their own key (one per cause and day) instead of a notification. */
    .addColumn('dedupe_key', 'varchar(191)', (c) => c.notNull())
    .addColumn('title', 'varchar(100)', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('jump_label', 'varchar(32)', (c) => c.notNull())
    .addColumn('jump_url', 'varchar(512)', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('inbox_messages_once', ['user_id', 'dedupe_key'])
    .execute()
  await db.schema.createIndex('inbox_messages_user_read').on('inbox_messages').columns(['org_id', 'user_id', 'read_at']).execute()

  await db.schema
    .createTable('announcements')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('title', 'varchar(100)', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('published_by', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['announcements', 'inbox_messages', 'notification_deliveries', 'notifications', 'notify_facts', 'notify_settings']) {
    await db.schema.dropTable(t).execute()
  }
}
