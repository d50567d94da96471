// Ingest rules on both dialects: races between workers, out-of-order relation ends, only-changed writes, one CRM tag per name.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DbHandle } from '../../db/connect'
import type { ExternalContact, FollowUser } from '../../platform/wecom/external-contact.types'
import { createOrgWithUser, createTestDeps } from '../../testing/deps'
import { createTestDb } from '../../testing/test-db'
import { writeTransaction } from '../../db/transaction'
import { ensureCrmTag } from '../tags/tags.repository'
import { endFollow, ingestContact, type IngestInput } from './customers.ingest'
import { linkCrmTag } from './customers.repository'

let handle: DbHandle
let deps: ReturnType<typeof createTestDeps>
let orgId: number

beforeEach(async () => {
  handle = await createTestDb({ poolSize: 4 })
  deps = createTestDeps(handle)
  orgId = (await createOrgWithUser(deps)).orgId
})
afterEach(async () => handle.close())

const T = Date.UTC(2026, 10, 21, 1, 0, 0)
const contact = (over: Partial<ExternalContact> = {}): ExternalContact => ({
  external_userid: 'wmC1',
  name: '林小姐',
  type: 1,
  gender: 2,
  ...over,
})
const follow = (userid: string, createtimeS: number, over: Partial<FollowUser> = {}): FollowUser => ({
  userid,
  remark: '',
  description: '',
  createtime: createtimeS,
  remark_mobiles: ['13800000000'],
  oper_userid: 'wmC1',
  add_way: 1,
  state: 'xhs',
  tags: [],
  ...over,
})
const add = (userid: string, at = T) => ({ state: 'xhs', contactWayId: null, sourceTag: null, eventTimeMs: at, ownerUserid: userid })
const ingest = (input: Omit<IngestInput, 'orgId' | 'now'>) =>
  writeTransaction(deps.db, (trx) => ingestContact(trx, { orgId, now: deps.clock.now(), ...input }))
const rows = async () => ({
  customers: await deps.db.selectFrom('customers').selectAll().execute(),
  follows: await deps.db.selectFrom('customer_follows').selectAll().orderBy('userid').execute(),
  leads: await deps.db.selectFrom('crm_leads').selectAll().execute(),
})

describe('ingestContact', () => {
  it('two members adding the same customer at once: one customer, two relations, one lead', async () => {
    const [a, b] = await Promise.all([
      ingest({ contact: contact(), userid: 'zhangli', follow: follow('zhangli', T / 1000), add: add('zhangli') }),
      ingest({ contact: contact(), userid: 'wangfang', follow: follow('wangfang', T / 1000), add: add('wangfang') }),
    ])
    expect(a.customerId).toBe(b.customerId)
    expect([a.customerCreated, b.customerCreated].filter(Boolean)).toHaveLength(1)
    expect(a.followActivated && b.followActivated).toBe(true)
    const r = await rows()
    expect(r.customers).toHaveLength(1)
    expect(r.customers[0]).toMatchObject({ channel_state: 'xhs', status: 'active', first_added_at: T })
    expect(r.follows.map((f) => [f.userid, f.status, JSON.parse(f.remark_mobiles)])).toEqual([
      ['wangfang', 'active', ['13800000000']],
      ['zhangli', 'active', ['13800000000']],
    ])
    expect(r.leads).toHaveLength(1)
  })

  it('writes only what changed: a replay leaves updated_at alone, a new name updates just that', async () => {
    await ingest({ contact: contact(), userid: 'zhangli', follow: follow('zhangli', T / 1000), add: add('zhangli') })
    const first = await rows()
    deps.clock.advance(5000)
    const replay = await ingest({ contact: contact(), userid: 'zhangli', follow: follow('zhangli', T / 1000), add: add('zhangli') })
    expect(replay.followActivated).toBe(false)
    expect(await rows()).toEqual(first)

    deps.clock.advance(5000)
    await ingest({ contact: contact({ name: '林女士' }), userid: 'zhangli', follow: follow('zhangli', T / 1000, { remark: '林姐' }) })
    const after = await rows()
    expect(after.customers[0]).toEqual({ ...first.customers[0], name: '林女士', updated_at: deps.clock.now() })
    expect(after.follows[0]).toEqual({ ...first.follows[0], remark: '林姐', updated_at: deps.clock.now() })
  })

  it('a late replay of an add does not revive a relation that ended after it; a real re-add does', async () => {
    await ingest({ contact: contact(), userid: 'zhangli', follow: follow('zhangli', T / 1000), add: add('zhangli') })
    const ended = await writeTransaction(deps.db, (trx) =>
      endFollow(trx, { orgId, externalUserid: 'wmC1', userid: 'zhangli', status: 'lost', atMs: T + 60_000, now: deps.clock.now() }),
    )
    expect(ended).toMatchObject({ changed: true, customerLost: true })

    // WeCom still lists the one-way relation with its old createtime: the add stays lost.
    const late = await ingest({ contact: contact(), userid: 'zhangli', follow: follow('zhangli', T / 1000), add: add('zhangli') })
    expect(late.followActivated).toBe(false)
    let r = await rows()
    expect(r.follows[0]).toMatchObject({ status: 'lost', lost_at: T + 60_000 })
    expect(r.customers[0].status).toBe('lost')

    // The customer adds the member again: new createtime, active again.
    const again = await ingest({
      contact: contact(),
      userid: 'zhangli',
      follow: follow('zhangli', T / 1000 + 120),
      add: add('zhangli', T + 120_000),
    })
    expect(again.followActivated).toBe(true)
    r = await rows()
    expect(r.follows[0]).toMatchObject({ status: 'active', lost_at: null, createtime: T + 120_000 })
    expect(r.customers[0].status).toBe('active')
  })
})

describe('source tag on add', () => {
  it('creates the CRM tag with the first customer of a channel, links later ones to it, and a replay links nothing twice', async () => {
    const sourceTag = { group: '来源', name: '来源:企业微信-小红书' }
    const first = await ingest({
      contact: contact(),
      userid: 'zhangli',
      follow: follow('zhangli', T / 1000),
      add: { ...add('zhangli'), sourceTag },
    })
    const other = await ingest({
      contact: contact({ external_userid: 'wmC2' }),
      userid: 'zhangli',
      follow: follow('zhangli', T / 1000),
      add: { ...add('zhangli'), sourceTag },
    })
    await ingest({
      contact: contact({ external_userid: 'wmC2' }),
      userid: 'zhangli',
      follow: follow('zhangli', T / 1000),
      add: { ...add('zhangli'), sourceTag },
    })
    const tagId = await ensureCrmTag(deps.db, orgId, sourceTag.group, sourceTag.name, T)
    expect(await linkCrmTag(deps.db, orgId, other.customerId, sourceTag, T)).toBe(true)
    const links = await deps.db.selectFrom('customer_tags').select(['customer_id', 'tag_ref', 'userid']).orderBy('customer_id').execute()
    expect(links).toEqual([
      { customer_id: first.customerId, tag_ref: tagId, userid: '' },
      { customer_id: other.customerId, tag_ref: tagId, userid: '' },
    ])
    expect(await deps.db.selectFrom('tags').select('id').where('org_id', '=', orgId).execute()).toHaveLength(1)
  })
})

describe('endFollow', () => {
  it('ignores an end older than a recorded one, and replays', async () => {
    await ingest({ contact: contact(), userid: 'zhangli', follow: follow('zhangli', T / 1000), add: add('zhangli') })
    const end = (status: 'lost' | 'deleted', atMs: number) =>
      writeTransaction(deps.db, (trx) =>
        endFollow(trx, { orgId, externalUserid: 'wmC1', userid: 'zhangli', status, atMs, now: deps.clock.now() }),
      )
    expect((await end('deleted', T + 20_000))?.changed).toBe(true)
    expect((await end('lost', T + 10_000))?.changed).toBe(false)
    expect((await end('deleted', T + 20_000))?.changed).toBe(false)
    expect((await rows()).follows[0]).toMatchObject({ status: 'deleted', deleted_at: T + 20_000, lost_at: null })
    expect(await end('lost', T + 30_000)).toMatchObject({ changed: true, customerLost: true })
    expect(
      await writeTransaction(deps.db, (trx) =>
        endFollow(trx, { orgId, externalUserid: 'wmUNKNOWN', userid: 'zhangli', status: 'lost', atMs: T, now: T }),
      ),
    ).toBeNull()
  })
})

describe('ensureCrmTag', () => {
  it('concurrent creators of the same CRM tag end with one group and one tag', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => ensureCrmTag(deps.db, orgId, '来源', '来源:企业微信-小红书', T)))
    expect(new Set(ids).size).toBe(1)
    const groups = await deps.db.selectFrom('tag_groups').selectAll().where('org_id', '=', orgId).execute()
    expect(groups).toEqual([expect.objectContaining({ name: '来源', source: 'crm', group_id: null })])
    const tags = await deps.db.selectFrom('tags').selectAll().where('org_id', '=', orgId).execute()
    expect(tags).toEqual([
      expect.objectContaining({ id: ids[0], name: '来源:企业微信-小红书', source: 'crm', tag_id: null, group_ref: groups[0].id }),
    ])
    // A second channel joins the same group.
    const other = await ensureCrmTag(deps.db, orgId, '来源', '来源:企业微信-抖音', T)
    expect(other).not.toBe(ids[0])
    expect(await deps.db.selectFrom('tag_groups').select('id').where('org_id', '=', orgId).execute()).toHaveLength(1)
  })
})
