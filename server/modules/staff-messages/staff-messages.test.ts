// 通知员工 against the sandbox: a textcard to the org's staff, unknown members refused before any call, other orgs' staff too.
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ManualClock } from '../../lib/clock'
import { createWecomEnv, type WecomEnv } from '../../testing/wecom-env'
import { createOrgWithUser } from '../../testing/deps'
import { callerFor } from '../../testing/tenant'

let env: WecomEnv

beforeAll(async () => {
  env = await createWecomEnv({ clock: new ManualClock(), workers: false })
  await env.caller.wecomConfig.test()
}, 60_000)
afterAll(async () => env?.close())

const cards = () => env.sandbox.control.logs({ kind: 'app_messages', corpid: env.corpid }).items as Record<string, any>[]
const input = { title: '请确认群发', description: '「十二月活动」等待你确认发送', url: 'https://clinic.example.com/web/broadcasts' }

it('sends one textcard to the chosen staff and reports nobody invalid', async () => {
  const before = cards().length
  expect(await env.caller.staffMessages.send({ ...input, userids: ['zhangli', 'wangfang'] })).toEqual({ sent: 2, invalid: [] })
  const log = cards().slice(before)
  expect(log).toHaveLength(1)
  expect(log[0]).toMatchObject({ msgtype: 'textcard', body: { title: '请确认群发', description: input.description } })
  expect([...log[0].touser].sort()).toEqual(['wangfang', 'zhangli'])
})

it('refuses userids that are not the org’s staff before calling WeCom, also from another org', async () => {
  const before = cards().length
  const err = await env.caller.staffMessages.send({ ...input, userids: ['zhangli', 'nobody'] }).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(TRPCError)
  expect((err as TRPCError).code).toBe('BAD_REQUEST')
  expect((err as TRPCError).message).toMatch(/nobody/)
  const { user } = await createOrgWithUser(env.deps, 'org_admin')
  const other = callerFor(env.deps, user)
  expect(((await other.staffMessages.send({ ...input, userids: ['zhangli'] }).catch((e: unknown) => e)) as TRPCError).code).toBe(
    'BAD_REQUEST',
  )
  expect(cards().length).toBe(before)
})
