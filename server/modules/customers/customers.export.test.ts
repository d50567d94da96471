// 导出 over HTTP: CSV with BOM, Chinese headers, the filtered rows and formula-safe cells; .xlsx with the same rows; who may export.
import request from 'supertest'
import ExcelJS from 'exceljs'
import type { Express } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../app'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { login } from '../auth/auth.service'
import { createUser } from '../users/users.service'
import type { Role } from '../../../shared/enums'
import { createCustomerExportRouter } from './customers.export.route'
import { EXPORT_HEADERS } from './customers.export'

let env: WecomEnv
let app: Express
let seq = 0
beforeAll(async () => {
  env = await createWecomEnv({ workers: false })
  app = createApp({ deps: env.deps, rawRoutes: [createCustomerExportRouter(env.deps)] })
  const t = env.deps.clock.now()
  for (const [i, name] of ['导出甲', '导出乙', '=HYPERLINK("x")'].entries()) {
    await env.deps.db
      .insertInto('customers')
      .values({
        org_id: env.orgId,
        external_userid: `wm_export_${i}`,
        name,
        type: 1,
        gender: 2,
        status: 'active',
        first_added_at: t - i * 1000,
        created_at: t,
        updated_at: t,
      })
      .execute()
  }
})
afterAll(async () => env?.close())

async function sessionFor(orgId: number, role: Role = 'org_admin'): Promise<string> {
  const username = `exp${++seq}${Math.random().toString(36).slice(2, 6)}`
  await createUser(env.deps, orgId, { username, displayName: '测试', password: 'password-123', role })
  const { token } = await login(env.deps, { username, password: 'password-123', ip: '10.0.0.1', userAgent: 'test' })
  return `crm_sid=${token}`
}
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = []
  res.on('data', (c: Buffer) => chunks.push(c))
  res.on('end', () => cb(null, Buffer.concat(chunks)))
}
const url = (format: string, filter: unknown) => `/api/customers/export.${format}?filter=${encodeURIComponent(JSON.stringify(filter))}`

describe('customers export', () => {
  it('CSV: BOM, Chinese headers, only the filtered rows, formula cells defused', async () => {
    const cookie = await sessionFor(env.orgId)
    const res = await request(app)
      .get(url('csv', { q: '导出' }))
      .set('Cookie', cookie)
      .buffer(true)
      .parse(binary)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toContain('text/csv')
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('客户列表-')}`)
    const body = res.body as Buffer
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const lines = body.subarray(3).toString('utf8').trim().split(/\r?\n/)
    expect(lines[0]).toBe(EXPORT_HEADERS.join(','))
    // Newest record first (the export walks ids downwards).
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['导出乙', '导出甲'])

    const all = await request(app).get(url('csv', {})).set('Cookie', cookie).buffer(true).parse(binary)
    expect((all.body as Buffer).toString('utf8')).toContain(`"'=HYPERLINK(""x"")"`)
  })

  it('xlsx: one sheet with the header row and the filtered rows', async () => {
    const res = await request(app)
      .get(url('xlsx', { q: '导出' }))
      .set('Cookie', await sessionFor(env.orgId))
      .buffer(true)
      .parse(binary)
    expect(res.status).toBe(200)
    const wb = new ExcelJS.Workbook()
    // exceljs types its Buffer against an older @types/node.
    await wb.xlsx.load(res.body as never)
    const sheet = wb.worksheets[0]
    const rows: string[][] = []
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1).map((v) => String(v ?? ''))))
    expect(rows[0]).toEqual([...EXPORT_HEADERS])
    expect(rows.slice(1).map((r) => r[0])).toEqual(['导出乙', '导出甲'])
    expect(rows[1][2]).toBe('女')
  })

  it('refuses without a session, for members, and on a bad filter — in Chinese', async () => {
    expect((await request(app).get(url('csv', {}))).status).toBe(401)
    const member = await request(app)
      .get(url('csv', {}))
      .set('Cookie', await sessionFor(env.orgId, 'org_member'))
    expect(member.status).toBe(403)
    expect(member.body.error).toContain('管理员')
    const cookie = await sessionFor(env.orgId)
    const bad = await request(app).get('/api/customers/export.csv?filter=%7Bnot-json').set('Cookie', cookie)
    expect(bad.status).toBe(400)
    expect(bad.body.error).toContain('筛选条件')
    expect(
      (
        await request(app)
          .get(url('csv', { status: 'nope' }))
          .set('Cookie', cookie)
      ).status,
    ).toBe(400)
    expect((await request(app).get(url('pdf', {})).set('Cookie', cookie)).status).toBe(404)
  })
})
