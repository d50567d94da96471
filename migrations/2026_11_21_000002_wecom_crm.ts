// WeCom CRM tables: per-org config, staff, contact ways, customers and follow relations, tags, callback events, messages, leads, welcome sends.
import { MysqlAdapter, sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // WeCom tag names are case-sensitive ("VIP" and "vip" may sit in one group); MySQL's default collation is not.
  // SQLite compares bytes already, so only MySQL needs the binary collation.
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter
  const exactName = (c: ColumnDefinitionBuilder) => (mysql ? c.notNull().modifyEnd(sql`collate utf8mb4_bin`) : c.notNull())
  await db.schema
    .createTable('wecom_configs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull().unique())
    .addColumn('corp_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(32)')
    .addColumn('contact_secret_sealed', 'text', (c) => c.notNull())
    .addColumn('agent_secret_sealed', 'text')
    .addColumn('callback_token_sealed', 'text', (c) => c.notNull())
    .addColumn('encoding_aes_key_sealed', 'text', (c) => c.notNull())
    // Random key in the callback path: /api/wework/callback/<callback_key> identifies the org without exposing its id.
    .addColumn('callback_key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('last_test_at', 'bigint')
    .addColumn('last_test_ok', 'integer')
    .addColumn('last_test_message', 'varchar(500)')
    .addColumn('staff_count', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('wecom_staff')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('synced_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('wecom_staff_org_user', ['org_id', 'userid'])
    .execute()

  await db.schema
    .createTable('contact_ways')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('config_id', 'varchar(64)')
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('scene', 'integer', (c) => c.notNull())
    .addColumn('style', 'integer')
    .addColumn('remark', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('skip_verify', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('state', 'varchar(64)', (c) => c.notNull())
    .addColumn('channel_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_ids', 'text', (c) => c.notNull())
    .addColumn('party_ids', 'text', (c) => c.notNull())
    .addColumn('is_temp', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_in', 'integer')
    .addColumn('chat_expires_in', 'integer')
    .addColumn('unionid', 'varchar(64)')
    .addColumn('is_exclusive', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('conclusions', 'text')
    .addColumn('welcome', 'text')
    .addColumn('tag_ids', 'text', (c) => c.notNull())
    .addColumn('qr_code', 'varchar(1024)')
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('contact_ways_org_state', ['org_id', 'state'])
    .execute()
  await db.schema.createIndex('contact_ways_config').on('contact_ways').columns(['org_id', 'config_id']).execute()

  await db.schema
    .createTable('customers')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('external_userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('avatar', 'varchar(1024)')
    .addColumn('type', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('gender', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unionid', 'varchar(64)')
    .addColumn('position', 'varchar(100)')
    .addColumn('corp_name', 'varchar(100)')
    .addColumn('corp_full_name', 'varchar(200)')
    // First channel the customer came through (state of their earliest follow relation).
    .addColumn('channel_state', 'varchar(64)')
    .addColumn('contact_way_id', 'integer')
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active'))
    .addColumn('first_added_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customers_org_ext', ['org_id', 'external_userid'])
    .execute()
  await db.schema.createIndex('customers_org_added').on('customers').columns(['org_id', 'first_added_at']).execute()
  await db.schema.createIndex('customers_org_name').on('customers').columns(['org_id', 'name']).execute()
  await db.schema.createIndex('customers_org_channel').on('customers').columns(['org_id', 'channel_state']).execute()
  await db.schema.createIndex('customers_org_status').on('customers').columns(['org_id', 'status', 'first_added_at']).execute()

  await db.schema
    .createTable('customer_follows')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    .addColumn('userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('remark', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(300)', (c) => c.notNull().defaultTo(''))
    .addColumn('remark_mobiles', 'text', (c) => c.notNull())
    .addColumn('add_way', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('state', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('oper_userid', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('contact_way_id', 'integer')
    .addColumn('createtime', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('lost_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customer_follows_pair', ['customer_id', 'userid'])
    .execute()
  await db.schema.createIndex('customer_follows_org_user').on('customer_follows').columns(['org_id', 'userid', 'status']).execute()
  await db.schema
    .createIndex('customer_follows_org_way')
    .on('customer_follows')
    .columns(['org_id', 'contact_way_id', 'createtime'])
    .execute()
  await db.schema.createIndex('customer_follows_org_status').on('customer_follows').columns(['org_id', 'status', 'lost_at']).execute()

  await db.schema
    .createTable('tag_groups')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('group_id', 'varchar(64)')
    .addColumn('name', 'varchar(64)', exactName)
    .addColumn('sort_order', 'bigint', (c) => c.notNull().defaultTo(0))
    // 'wecom': mirrored corp tags; 'crm': tags that exist only in this CRM (e.g. 来源:企业微信-小红书).
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('tag_groups_org_gid', ['org_id', 'group_id'])
    .addUniqueConstraint('tag_groups_org_name', ['org_id', 'source', 'name'])
    .execute()

  await db.schema
    .createTable('tags')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('group_ref', 'integer', (c) => c.notNull())
    .addColumn('tag_id', 'varchar(64)')
    .addColumn('name', 'varchar(64)', exactName)
    .addColumn('sort_order', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('tags_org_tid', ['org_id', 'tag_id'])
    .addUniqueConstraint('tags_group_name', ['group_ref', 'name'])
    .execute()

  await db.schema
    .createTable('customer_tags')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull())
    .addColumn('tag_ref', 'integer', (c) => c.notNull())
    // WeCom tags belong to one staff member's relation; CRM tags use ''.
    .addColumn('userid', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('customer_tags_unique', ['customer_id', 'tag_ref', 'userid'])
    .execute()
  await db.schema.createIndex('customer_tags_org_tag').on('customer_tags').columns(['org_id', 'tag_ref', 'customer_id']).execute()

  await db.schema
    .createTable('callback_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    // sha256 of the decrypted plaintext: a platform retry carries the same plaintext, distinct events differ.
    .addColumn('dedupe_key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('msg_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('event', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('change_type', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('userid', 'varchar(64)')
    .addColumn('external_userid', 'varchar(64)')
    .addColumn('plaintext', 'text', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addColumn('error', 'text')
    .execute()
  await db.schema.createIndex('callback_events_org_ext').on('callback_events').columns(['org_id', 'external_userid']).execute()
  await db.schema.createIndex('callback_events_org_time').on('callback_events').columns(['org_id', 'received_at']).execute()

  await db.schema
    .createTable('messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer')
    .addColumn('from_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('to_id', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('msg_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('msg_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('create_time', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('messages_org_msgid', ['org_id', 'msg_id'])
    .execute()
  await db.schema.createIndex('messages_org_customer').on('messages').columns(['org_id', 'customer_id', 'create_time']).execute()

  await db.schema
    .createTable('crm_leads')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.notNull().unique())
    .addColumn('source', 'varchar(32)', (c) => c.notNull())
    .addColumn('channel_state', 'varchar(64)')
    .addColumn('contact_way_id', 'integer')
    .addColumn('owner_userid', 'varchar(64)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('crm_leads_org').on('crm_leads').columns(['org_id', 'created_at']).execute()

  await db.schema
    .createTable('welcome_sends')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('org_id', 'integer', (c) => c.notNull())
    // One welcome attempt per callback event, written before the call: a retried job never sends twice.
    .addColumn('callback_event_id', 'integer', (c) => c.notNull().unique())
    .addColumn('customer_external_userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('userid', 'varchar(64)', (c) => c.notNull())
    .addColumn('contact_way_id', 'integer')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('errcode', 'integer')
    .addColumn('error', 'varchar(500)')
    .addColumn('latency_ms', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('welcome_sends_org').on('welcome_sends').columns(['org_id', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'welcome_sends',
    'crm_leads',
    'messages',
    'callback_events',
    'customer_tags',
    'tags',
    'tag_groups',
    'customer_follows',
    'customers',
    'contact_ways',
    'wecom_staff',
    'wecom_configs',
  ]) {
    await db.schema.dropTable(t).execute()
  }
}
