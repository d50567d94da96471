// The SMS clients of one process, built from the stored (sealed) configs; held in Deps as deps.sms.
import type { DB } from '../../db/database'
import { PreconditionError } from '../../lib/errors'
import type { SecretBox } from '../../lib/secret-box'
import { SmsClient } from '../../platform/sms/client'
import { findSmsConfigByOrg } from './sms-config.repository'

/** A client plus the config facts senders need beside it. */
export interface OrgSmsClient {
  client: SmsClient
  codeTemplateId: string
  signName: string
  smsSdkAppId: string
}

export interface SmsClientsOptions {
  db: DB
  secrets: SecretBox
  apiBase: string
}

export class SmsClients {
  // One entry per configured org: bounded by the rows in the database.
  private readonly cache = new Map<number, { id: number; updatedAt: number; value: OrgSmsClient }>()

  constructor(private readonly opts: SmsClientsOptions) {}

  async for(orgId: number): Promise<OrgSmsClient> {
    const row = await findSmsConfigByOrg(this.opts.db, orgId)
    if (!row) throw new PreconditionError('请先在「短信配置」中完成配置')
    let entry = this.cache.get(orgId)
    if (!entry || entry.updatedAt !== row.updated_at || entry.id !== row.id) {
      const client = new SmsClient(
        {
          secretId: row.secret_id,
          secretKey: this.opts.secrets.open(row.secret_key_sealed),
          smsSdkAppId: row.sms_sdk_app_id,
          signName: row.sign_name,
          region: row.region,
        },
        { baseUrl: this.opts.apiBase },
      )
      entry = {
        id: row.id,
        updatedAt: row.updated_at,
        value: { client, codeTemplateId: row.code_template_id, signName: row.sign_name, smsSdkAppId: row.sms_sdk_app_id },
      }
      this.cache.set(orgId, entry)
    }
    return entry.value
  }

  forget(orgId: number): void {
    this.cache.delete(orgId)
  }
}
