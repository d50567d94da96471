// Welcome templates in the scan flow: the org default for ways without a welcome, a way's own template over its text, tenancy.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { expectTenantIsolation } from '../../testing/tenant'
import { createChannel } from '../callbacks/callbacks.test-fixtures'

let env: WecomEnv

beforeAll(async () => {
  env = await createWecomEnv({ clock: new ManualClock(), workers: false })
}, 60_000)
afterAll(async () => env?.close())

const welcomeOf = (ext: string) =>
  (
    env.sandbox.control.logs({ kind: 'welcome', corpid: env.corpid }).items as { external_userid: string; text?: { content: string } }[]
  ).find((w) => w.external_userid === ext)

async function scan(configId: string) {
  const r = await env.sandbox.control.scan(env.corpid, { config_id: configId })
  await env.deps.queue.runUntilIdle()
  return r.external_userid
}

it('the org default greets through a way without its own welcome; a way’s template wins over its own text', async () => {
  const { id: dflt } = await env.caller.welcomeTemplates.create({
    name: '通用欢迎语',
    message: { text: '欢迎光临本诊所', attachments: [] },
  })
  await env.caller.welcomeTemplates.assign({ contactWayId: null, templateId: dflt })
  const bare = await createChannel(env, { welcome: false })
  expect(welcomeOf(await scan(bare.configId))?.text?.content).toBe('欢迎光临本诊所')

  const own = await createChannel(env)
  expect(welcomeOf(await scan(own.configId))?.text?.content).toBe(own.welcomeText)

  const { id: special } = await env.caller.welcomeTemplates.create({
    name: '小红书专属',
    message: { text: '小红书的朋友您好', attachments: [{ msgtype: 'link', link: { title: '到店礼', url: 'https://example.com/gift' } }] },
  })
  await env.caller.welcomeTemplates.assign({ contactWayId: own.wayId, templateId: special })
  const w = welcomeOf(await scan(own.configId)) as { text?: { content: string }; attachments?: unknown[] }
  expect(w.text?.content).toBe('小红书的朋友您好')
  expect(w.attachments).toHaveLength(1)

  const list = await env.caller.welcomeTemplates.list()
  expect(list.find((t) => t.id === dflt)).toMatchObject({ isDefault: true, contactWayIds: [] })
  expect(list.find((t) => t.id === special)).toMatchObject({ isDefault: false, contactWayIds: [own.wayId] })

  // Cleared: the way falls back on its own text again.
  await env.caller.welcomeTemplates.assign({ contactWayId: own.wayId, templateId: null })
  expect(welcomeOf(await scan(own.configId))?.text?.content).toBe(own.welcomeText)
})

it('another org can neither see, change, remove nor assign a template', async () => {
  await expectTenantIsolation(env.deps, {
    seed: async (a) => (await a.welcomeTemplates.create({ name: 'A 的模板', message: { text: 'A', attachments: [] } })).id,
    snapshot: (id) => env.deps.db.selectFrom('welcome_templates').selectAll().where('id', '=', Number(id)).executeTakeFirst(),
    direct: {
      update: (b, id) => b.welcomeTemplates.update({ id: Number(id), name: 'B', message: { text: 'B', attachments: [] } }),
      remove: (b, id) => b.welcomeTemplates.remove({ id: Number(id) }),
      assign: (b, id) => b.welcomeTemplates.assign({ contactWayId: null, templateId: Number(id) }),
    },
    lists: { list: async (b) => (await b.welcomeTemplates.list()).map((t) => t.id) },
  })
})
