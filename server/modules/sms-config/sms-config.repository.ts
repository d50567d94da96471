// Queries for SMS configurations: one row per org.
import type { Insertable, Updateable } from 'kysely'
import type { Executor } from '../../db/database'
import { insertedId } from '../../db/dialect'
import type { SmsConfigsTable } from './sms-config.table'

export function findSmsConfigByOrg(db: Executor, orgId: number) {
  return db.selectFrom('sms_configs').selectAll().where('org_id', '=', orgId).executeTakeFirst()
}

export async function insertSmsConfig(db: Executor, row: Insertable<SmsConfigsTable>): Promise<number> {
  return insertedId(await db.insertInto('sms_configs').values(row).executeTakeFirstOrThrow())
}

export async function updateSmsConfig(db: Executor, id: number, set: Updateable<SmsConfigsTable>): Promise<void> {
  await db.updateTable('sms_configs').set(set).where('id', '=', id).execute()
}
