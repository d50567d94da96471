// Queries for SMS configurations: one row per org.
import type { Insertable } from 'kysely'
import type { Executor } from '../../db/database'
import { upsert } from '../../db/dialect'
import type { SmsConfigsTable } from './sms-config.table'

export function findSmsConfigByOrg(db: Executor, orgId: number) {
  return db.selectFrom('sms_configs').selectAll().where('org_id', '=', orgId).executeTakeFirst()
}

/** Insert or update by org in one statement, so two first saves at once leave one row (the later values). */
export async function saveSmsConfigRow(db: Executor, row: Insertable<SmsConfigsTable>): Promise<void> {
  const { org_id: _org, created_at: _created, ...changing } = row
  await upsert(db, 'sms_configs', row, ['org_id'], Object.keys(changing))
}
