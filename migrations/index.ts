// Static migration list: works the same under tsx, vitest and a bundled server.
import type { Migration, MigrationProvider } from 'kysely'
import * as m0001 from './2026_11_21_000001_foundation'
import * as m0002 from './2026_11_21_000002_wecom_crm'
import * as m0010 from './2026_12_01_000010_login_limits'
import * as m0020 from './2026_12_01_000020_callbacks_per_org'
import * as m0030 from './2026_12_01_000030_platform'
import * as m0040 from './2026_12_01_000040_job_runs_org'
import * as m0050 from './2026_12_01_000050_oa_accounts'
import * as m0060 from './2026_12_01_000060_employees'
import * as m0070 from './2026_12_01_000070_sms_configs'
import * as m0080 from './2026_12_01_000080_h5_binding'
import * as m0100 from './2026_12_01_000100_notify_inputs'
import * as m0300 from './2026_12_01_000300_customer_sync'
import * as m0200 from './2026_12_01_000200_notifications'
import * as m0400 from './2026_12_01_000400_broadcasts'
import * as m0410 from './2026_12_01_000410_welcome_templates'
import * as m0420 from './2026_12_01_000420_broadcast_rules'
import * as m0700 from './2026_12_01_000700_lost_alerts'
import * as m0820 from './2026_12_01_000820_customer_list'
import * as m0830 from './2026_12_01_000830_queue_fast_lane'
import * as m0850 from './2026_12_01_000850_callback_refusals'
import * as m0860 from './2026_12_01_000860_customer_events'
import * as m0870 from './2026_12_01_000870_dashboard_indexes'
import * as m0880 from './2026_12_01_000880_customer_list_gender'

const migrations: Record<string, Migration> = {
  '2026_11_21_000001_foundation': m0001,
  '2026_11_21_000002_wecom_crm': m0002,
  '2026_12_01_000010_login_limits': m0010,
  '2026_12_01_000020_callbacks_per_org': m0020,
  '2026_12_01_000030_platform': m0030,
  '2026_12_01_000040_job_runs_org': m0040,
  '2026_12_01_000050_oa_accounts': m0050,
  '2026_12_01_000060_employees': m0060,
  '2026_12_01_000070_sms_configs': m0070,
  '2026_12_01_000080_h5_binding': m0080,
  '2026_12_01_000100_notify_inputs': m0100,
  '2026_12_01_000300_customer_sync': m0300,
  '2026_12_01_000200_notifications': m0200,
  '2026_12_01_000400_broadcasts': m0400,
  '2026_12_01_000410_welcome_templates': m0410,
  '2026_12_01_000420_broadcast_rules': m0420,
  '2026_12_01_000700_lost_alerts': m0700,
  '2026_12_01_000820_customer_list': m0820,
  '2026_12_01_000830_queue_fast_lane': m0830,
  '2026_12_01_000850_callback_refusals': m0850,
  '2026_12_01_000860_customer_events': m0860,
  '2026_12_01_000870_dashboard_indexes': m0870,
  '2026_12_01_000880_customer_list_gender': m0880,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
