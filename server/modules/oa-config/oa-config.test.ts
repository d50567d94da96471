// oaConfig against the OA sandbox: masked view, blank keeps secrets, validation, the platform account as fallback, test (40164 names the IP), templates, the verify file, the 绑定手机号 menu entry.
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { createOrgWithUser } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { h5EntryUrl } from '../../../shared/h5-entry'
import { GetMenuResponse } from '../../platform/oa/index'
import { getOaConfigView, listOaTemplates, menuWithBindingEntry, saveOaConfig, testOaConnection } from './oa-config.service'

let env: WecomEnv | undefined
afterEach(async () => {
  await env?.close()
  env = undefined
})

const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'

async function setup(ipWhitelist?: string[]) {
  env = await createWecomEnv({ workers: false })
  const account = env.sandbox.control.createOaAccount({
    name: '测试公众号',
    oauth_domain: 'h5.clinic.test',
    ip_whitelist: ipWhitelist ?? null,
  })
  const input = {
    name: '测试公众号',
    appId: account.appid,
    appSecret: account.secret,
    token: 'tok123',
    encodingAesKey: AES,
    messageMode: 'safe' as const,
  }
  return { env, account, input }
}

describe('oaConfig', () => {
  it('saves with secrets sealed and shows them masked; a blank secret keeps the stored one', async () => {
    const { env, account, input } = await setup()
    const view = await env.caller.oaConfig.save(input)
    expect(view).toMatchObject({ configured: true, source: 'own', appId: account.appid, messageMode: 'safe' })
    expect(JSON.stringify(view)).not.toContain(account.secret)
    expect(JSON.stringify(view)).not.toContain(AES)
    expect(view.callbackUrl).toMatch(new RegExp(`^${env.baseUrl}/api/wechat/callback/[A-Za-z0-9_-]{16}$`))
    const row = await env.deps.db.selectFrom('oa_accounts').selectAll().executeTakeFirstOrThrow()
    expect(row.app_secret_sealed).not.toContain(account.secret)
    expect(row.org_id).toBe(env.orgId)

    const again = await env.caller.oaConfig.save({ ...input, appSecret: '', encodingAesKey: '', token: '', name: '改名' })
    expect(again.name).toBe('改名')
    expect(again.callbackUrl).toBe(view.callbackUrl)
    const row2 = await env.deps.db.selectFrom('oa_accounts').selectAll().executeTakeFirstOrThrow()
    expect(row2.app_secret_sealed).toBe(row.app_secret_sealed)
    expect(row2.token).toBe('tok123')
    expect(row2.updated_at).toBeGreaterThan(row.updated_at)
    expect((await env.caller.oaConfig.test()).ok).toBe(true)
  })

  it('validates AppID (wx + 16 hex), the 43-character EncodingAESKey and the first save’s secret', async () => {
    const { env, input } = await setup()
    await expect(env.caller.oaConfig.save({ ...input, appId: 'wx123' })).rejects.toThrow(/AppID/)
    await expect(env.caller.oaConfig.save({ ...input, appId: 'wxZZZZZZZZZZZZZZZZ' })).rejects.toThrow(/AppID/)
    await expect(env.caller.oaConfig.save({ ...input, encodingAesKey: 'short' })).rejects.toThrow(/EncodingAESKey/)
    await expect(saveOaConfig(env.deps, env.orgId, { ...input, appSecret: '' })).rejects.toThrow(/AppSecret/)
    await expect(saveOaConfig(env.deps, env.orgId, { ...input, encodingAesKey: '', messageMode: 'compatible' })).rejects.toThrow(
      /EncodingAESKey/,
    )
    // Plain mode needs no key.
    expect((await saveOaConfig(env.deps, env.orgId, { ...input, encodingAesKey: '', messageMode: 'plain' })).messageMode).toBe('plain')
  })

  it('an org without its own account uses the platform’s; its view shows no secrets; only the super admin manages it', async () => {
    const { env, account, input } = await setup()
    await expect(env.caller.oaConfig.platformSave(input)).rejects.toThrow(/平台管理员/)
    const admin = await createOrgWithUser(env.deps, 'super_admin')
    const superCaller = callerFor(env.deps, admin.user)
    await superCaller.oaConfig.platformSave({ ...input, name: '平台公众号' })
    expect((await superCaller.oaConfig.platformGet()).source).toBe('own')

    const view = await env.caller.oaConfig.get()
    expect(view).toMatchObject({ configured: false, source: 'platform', name: '平台公众号', appId: account.appid, callbackUrl: null })
    const client = await env.deps.oa.for(env.orgId)
    expect(client).toMatchObject({ appId: account.appid, platform: true })
    expect((await superCaller.oaConfig.platformTest()).ok).toBe(true)

    // Its own account wins once saved.
    const own = env.sandbox.control.createOaAccount({ name: '自有号', oauth_domain: 'own.test' })
    await env.caller.oaConfig.save({ ...input, appId: own.appid, appSecret: own.secret })
    expect(await env.deps.oa.for(env.orgId)).toMatchObject({ appId: own.appid, platform: false })
  })

  it('concurrent first saves leave one account per owner (platform included) and answer the others 409', async () => {
    const { env, input } = await setup()
    const admin = await createOrgWithUser(env.deps, 'super_admin')
    const superCaller = callerFor(env.deps, admin.user)
    for (const save of [() => env!.caller.oaConfig.save(input), () => superCaller.oaConfig.platformSave(input)]) {
      const results = await Promise.allSettled(Array.from({ length: 6 }, save))
      const refused = results.filter((r) => r.status === 'rejected')
      expect(results.length - refused.length).toBeGreaterThanOrEqual(1)
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' })
    }
    const rows = await env.deps.db.selectFrom('oa_accounts').select(['org_id']).execute()
    expect(rows.filter((r) => r.org_id === null)).toHaveLength(1)
    expect(rows.filter((r) => r.org_id === env!.orgId)).toHaveLength(1)
  })

  it('a whitelist refusal (40164) names the address the platform saw; an unconfigured org is told to configure', async () => {
    const { env, input } = await setup(['10.9.9.9'])
    expect((await testOaConnection(env.deps, env.orgId)).message).toMatch(/公众号配置/)
    await saveOaConfig(env.deps, env.orgId, input)
    const r = await testOaConnection(env.deps, env.orgId)
    expect(r).toMatchObject({ ok: false, errcode: 40164 })
    expect(r.message).toMatch(/请把 [0-9a-f.:]+ 加入公众号 IP 白名单/)
    expect(r.message).toContain('127.0.0.1')
  })

  it('a wrong secret is refused with its hint', async () => {
    const { env, input } = await setup()
    await saveOaConfig(env.deps, env.orgId, { ...input, appSecret: 'f'.repeat(32) })
    const r = await testOaConnection(env.deps, env.orgId)
    expect(r.ok).toBe(false)
    expect(r.errcode).toBe(40125)
    expect(r.message).toContain('40125')
  })

  it('lists templates with the keys their content names', async () => {
    const { env, input } = await setup()
    await saveOaConfig(env.deps, env.orgId, input)
    const templates = await listOaTemplates(env.deps, env.orgId)
    expect(templates.length).toBeGreaterThan(0)
    for (const t of templates) {
      expect(t.keys.length).toBeGreaterThan(0)
      for (const k of t.keys) expect(t.content).toContain(`{{${k.key}.DATA}}`)
    }
    expect((await env.caller.oaConfig.templates()).map((t) => t.templateId)).toEqual(templates.map((t) => t.templateId))
  })

  it('serves the domain verification file at the root, exactly; 404 for any other name', async () => {
    const { env, input } = await setup()
    await saveOaConfig(env.deps, env.orgId, { ...input, verifyFileName: 'MP_verify_AbC123xyz.txt', verifyFileContent: 'AbC123xyz' })
    const ok = await request(env.baseUrl).get('/MP_verify_AbC123xyz.txt')
    expect(ok.status).toBe(200)
    expect(ok.headers['content-type']).toMatch(/^text\/plain/)
    expect(ok.text).toBe('AbC123xyz')
    expect((await request(env.baseUrl).get('/MP_verify_other.txt')).status).toBe(404)
    expect((await request(env.baseUrl).get('/MP_verify_.txt')).status).toBe(404)
    expect((await getOaConfigView(env.deps, env.orgId)).hasVerifyFileContent).toBe(true)
  })

  describe('menu', () => {
    const entryOf = async (env: WecomEnv, orgId: number) => {
      const { slug } = await env.deps.db.selectFrom('orgs').select('slug').where('id', '=', orgId).executeTakeFirstOrThrow()
      return h5EntryUrl(env.deps.config.publicBaseUrl, slug)
    }
    const audits = (env: WecomEnv, action: string) =>
      env.deps.db.selectFrom('audit_log').select(['org_id', 'result', 'error']).where('action', '=', action).orderBy('id').execute()

    it('adds 绑定手机号 → the org’s H5 page to its own account, keeping the other buttons; audited; members refused', async () => {
      const { env, input } = await setup()
      await saveOaConfig(env.deps, env.orgId, input)
      const entryUrl = await entryOf(env, env.orgId)
      expect(await env.caller.oaConfig.menu()).toMatchObject({ source: 'own', entryUrl, buttons: null, hasEntry: false, canSetup: true })

      const client = await env.deps.oa.for(env.orgId)
      await client.menu.create({
        button: [
          { type: 'view', name: '官网', url: 'https://clinic.test/' },
          { name: '服务', sub_button: [{ type: 'click', name: '预约', key: 'BOOK' }] },
        ],
      })
      const view = await env.caller.oaConfig.setMenu()
      expect(view.hasEntry).toBe(true)
      // What the platform now holds, read back through menu/get.
      expect((await client.menu.get()).menu.button).toEqual([
        { type: 'view', name: '官网', url: 'https://clinic.test/' },
        { name: '服务', sub_button: [{ type: 'click', name: '预约', key: 'BOOK' }] },
        { type: 'view', name: '绑定手机号', url: entryUrl },
      ])
      expect(view.buttons?.map((b) => b.name)).toEqual(['官网', '服务', '绑定手机号'])

      // Again: the entry is repointed, not added twice.
      await env.caller.oaConfig.setMenu()
      expect((await client.menu.get()).menu.button.filter((b) => b.name === '绑定手机号')).toHaveLength(1)
      expect(await audits(env, 'oaConfig.setMenu')).toEqual([
        { org_id: env.orgId, result: 'ok', error: null },
        { org_id: env.orgId, result: 'ok', error: null },
      ])

      const member = await createOrgWithUser(env.deps, 'org_member')
      await expect(
        callerFor(env.deps, { ...member.user, orgId: env.orgId, actingOrgId: env.orgId }).oaConfig.setMenu(),
      ).rejects.toMatchObject({
        code: 'FORBIDDEN',
      })
    })

    it('keeps material, article and unknown fields of a menu read back when adding the entry', () => {
      const read = GetMenuResponse.parse({
        menu: {
          button: [
            { type: 'media_id', name: '价目表', media_id: 'MEDIA1' },
            { name: '更多', sub_button: [{ type: 'article_id', name: '文章', article_id: 'ART1', future_field: 1 }] },
          ],
        },
      })
      const entry = { type: 'view', name: '绑定手机号', url: 'https://crm.test/h5/?org=a' }
      expect(menuWithBindingEntry(read.menu.button, entry.url, 'https://crm.test/h5/')).toEqual([
        { type: 'media_id', name: '价目表', media_id: 'MEDIA1' },
        { name: '更多', sub_button: [{ type: 'article_id', name: '文章', article_id: 'ART1', future_field: 1 }] },
        entry,
      ])
    })

    it('repoints an entry inside a sub-menu; a full top level is refused in Chinese and the menu left alone', async () => {
      const { env, input } = await setup()
      await saveOaConfig(env.deps, env.orgId, input)
      const entryUrl = await entryOf(env, env.orgId)
      const client = await env.deps.oa.for(env.orgId)
      const stale = `${env.deps.config.publicBaseUrl}/h5/?org=old-slug`
      await client.menu.create({
        button: [
          { type: 'view', name: 'A', url: 'https://a.test/' },
          { type: 'view', name: 'B', url: 'https://b.test/' },
          {
            name: '我的',
            sub_button: [
              { type: 'view', name: '员工绑定', url: stale },
              { type: 'click', name: '客服', key: 'CS' },
            ],
          },
        ],
      })
      await env.caller.oaConfig.setMenu()
      const held = (await client.menu.get()).menu.button
      expect(held).toHaveLength(3)
      expect(held[2]!.sub_button).toEqual([
        { type: 'view', name: '绑定手机号', url: entryUrl },
        { type: 'click', name: '客服', key: 'CS' },
      ])

      const full = [
        { type: 'view' as const, name: 'A', url: 'https://a.test/' },
        { type: 'view' as const, name: 'B', url: 'https://b.test/' },
        { type: 'click' as const, name: 'C', key: 'C' },
      ]
      await client.menu.create({ button: full })
      await expect(env.caller.oaConfig.setMenu()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: /已有 3 个一级菜单/ })
      expect((await client.menu.get()).menu.button).toEqual(full)
      expect((await audits(env, 'oaConfig.setMenu')).at(-1)).toMatchObject({ result: 'error' })
    })

    it('the platform account’s menu: shown to the org admin, changed only by a super admin; orgs stay apart', async () => {
      const { env, account, input } = await setup()
      const admin = await createOrgWithUser(env.deps, 'super_admin')
      await callerFor(env.deps, admin.user).oaConfig.platformSave({ ...input, name: '平台公众号' })
      const entryUrl = await entryOf(env, env.orgId)

      expect(await env.caller.oaConfig.menu()).toMatchObject({
        source: 'platform',
        accountName: '平台公众号',
        canSetup: false,
        buttons: null,
      })
      await expect(env.caller.oaConfig.setMenu()).rejects.toMatchObject({ code: 'FORBIDDEN', message: /平台管理员/ })
      const platform = await env.deps.oa.forOwner(null)
      await expect(platform.menu.get()).rejects.toMatchObject({ errcode: 46003 })

      const superInOrg = callerFor(env.deps, { ...admin.user, actingOrgId: env.orgId })
      expect((await superInOrg.oaConfig.menu()).canSetup).toBe(true)
      await superInOrg.oaConfig.setMenu()
      expect((await platform.menu.get()).menu.button).toEqual([{ type: 'view', name: '绑定手机号', url: entryUrl }])

      // Another org with its own account: its entry goes to its own account and its own page; the platform's is untouched.
      const other = await createOrgWithUser(env.deps, 'org_admin')
      const otherCaller = callerFor(env.deps, other.user)
      const own = env.sandbox.control.createOaAccount({ name: '他人号', oauth_domain: 'other.test' })
      await otherCaller.oaConfig.save({ ...input, appId: own.appid, appSecret: own.secret })
      await otherCaller.oaConfig.setMenu()
      const otherEntry = await entryOf(env, other.orgId)
      expect(otherEntry).not.toBe(entryUrl)
      expect((await (await env.deps.oa.for(other.orgId)).menu.get()).menu.button).toEqual([
        { type: 'view', name: '绑定手机号', url: otherEntry },
      ])
      expect((await platform.menu.get()).menu.button).toEqual([{ type: 'view', name: '绑定手机号', url: entryUrl }])
      expect(account.appid).not.toBe(own.appid)
    })
  })
})
