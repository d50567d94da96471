// Corp tags: group rules (append by name, merge duplicates, emptied group goes), filters with `deleted`, mark_tag.
import { afterEach, describe, expect, it } from 'vitest'
import { type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

describe('corp tags', () => {
  it('adds groups, appends to an existing group by name and merges duplicate names', async () => {
    t = setupSandbox()
    expect((await t.post('externalcontact/add_corp_tag', { group_name: '空组', tag: [] })).errcode).toBe(40058)
    expect((await t.post('externalcontact/add_corp_tag', { group_name: '组'.repeat(31), tag: [{ name: 'a' }] })).errcode).toBe(40058)
    expect((await t.post('externalcontact/add_corp_tag', { group_name: '意向项目', tag: [{ name: '标'.repeat(31) }] })).errcode).toBe(40058)

    const first = await t.post('externalcontact/add_corp_tag', {
      group_name: '意向项目',
      order: 5,
      tag: [
        { name: '玻尿酸', order: 1 },
        { name: '热玛吉', order: 2 },
      ],
    })
    expect(first.errcode).toBe(0)
    expect(first.tag_group).toMatchObject({ group_name: '意向项目', order: 5, tag: [{ name: '玻尿酸' }, { name: '热玛吉' }] })
    expect(first.tag_group.group_id).toMatch(/^et/)
    const groupId = first.tag_group.group_id

    const again = await t.post('externalcontact/add_corp_tag', { group_name: '意向项目', tag: [{ name: '玻尿酸' }, { name: '水光针' }] })
    expect(again.tag_group.group_id).toBe(groupId)
    expect(again.tag_group.tag[0].id).toBe(first.tag_group.tag[0].id)
    const byId = await t.post('externalcontact/add_corp_tag', { group_id: groupId, group_name: 'ignored', tag: [{ name: '光子嫩肤' }] })
    expect(byId.tag_group.group_name).toBe('意向项目')
    expect((await t.post('externalcontact/add_corp_tag', { group_id: 'etnope', tag: [{ name: 'x' }] })).errcode).toBe(40068)

    const all = await t.post('externalcontact/get_corp_tag_list', {})
    expect(all.tag_group).toHaveLength(1)
    // Larger order first.
    expect(all.tag_group[0].tag.map((x: any) => x.name)).toEqual(['热玛吉', '玻尿酸', '水光针', '光子嫩肤'])
    expect(all.tag_group[0].deleted).toBeUndefined()
  })

  it('edits names and orders, rejects a duplicate name (40071) and unknown ids (40068)', async () => {
    t = setupSandbox()
    const g = (await t.post('externalcontact/add_corp_tag', { group_name: '客户等级', tag: [{ name: 'A级意向' }, { name: 'B级意向' }] }))
      .tag_group
    expect((await t.post('externalcontact/edit_corp_tag', { id: g.tag[0].id, name: 'B级意向' })).errcode).toBe(40071)
    expect((await t.post('externalcontact/edit_corp_tag', { id: g.tag[0].id, name: 'A+', order: 9 })).errcode).toBe(0)
    expect((await t.post('externalcontact/edit_corp_tag', { id: g.group_id, name: '等级' })).errcode).toBe(0)
    expect((await t.post('externalcontact/edit_corp_tag', { id: 'etnope', name: 'x' })).errcode).toBe(40068)
    const list = await t.post('externalcontact/get_corp_tag_list', {})
    expect(list.tag_group[0]).toMatchObject({ group_name: '等级', tag: [{ name: 'A+', order: 9 }, { name: 'B级意向' }] })
  })

  it('deleting every tag of a group deletes the group; filtered reads report deleted', async () => {
    t = setupSandbox()
    const g = (await t.post('externalcontact/add_corp_tag', { group_name: '来源渠道', tag: [{ name: '小红书' }, { name: '抖音' }] }))
      .tag_group
    const other = (await t.post('externalcontact/add_corp_tag', { group_name: '其他', tag: [{ name: 'x' }] })).tag_group
    expect((await t.post('externalcontact/del_corp_tag', {})).errcode).toBe(40058)
    expect((await t.post('externalcontact/del_corp_tag', { tag_id: ['etnope'] })).errcode).toBe(40068)
    expect((await t.post('externalcontact/del_corp_tag', { tag_id: [g.tag[0].id] })).errcode).toBe(0)
    expect((await t.post('externalcontact/get_corp_tag_list', { group_id: [g.group_id] })).tag_group[0]).toMatchObject({
      deleted: false,
      tag: [{ deleted: true }, { deleted: false }],
    })
    expect((await t.post('externalcontact/del_corp_tag', { tag_id: [g.tag[1].id] })).errcode).toBe(0)
    const filtered = await t.post('externalcontact/get_corp_tag_list', { tag_id: [g.tag[1].id] })
    expect(filtered.tag_group[0]).toMatchObject({ group_id: g.group_id, deleted: true, tag: [{ id: g.tag[1].id, deleted: true }] })
    expect((await t.post('externalcontact/get_corp_tag_list', {})).tag_group.map((x: any) => x.group_id)).toEqual([other.group_id])
    expect((await t.post('externalcontact/del_corp_tag', { group_id: [other.group_id] })).errcode).toBe(0)
    expect((await t.post('externalcontact/get_corp_tag_list', {})).tag_group).toEqual([])
  })

  it('mark_tag: 84061 without a relation, 40068 for an unknown tag, tags show up in batch and vanish when deleted', async () => {
    t = setupSandbox()
    const { ids } = await t.customersVia(['alice'], 1)
    const g = (await t.post('externalcontact/add_corp_tag', { group_name: '意向项目', tag: [{ name: '玻尿酸' }, { name: '热玛吉' }] }))
      .tag_group
    const [a, b] = g.tag.map((x: any) => x.id)
    expect((await t.post('externalcontact/mark_tag', { userid: 'bob', external_userid: ids[0], add_tag: [a] })).errcode).toBe(84061)
    expect((await t.post('externalcontact/mark_tag', { userid: 'alice', external_userid: ids[0], add_tag: ['etnope'] })).errcode).toBe(
      40068,
    )
    expect((await t.post('externalcontact/mark_tag', { userid: 'alice', external_userid: ids[0] })).errcode).toBe(40058)
    // Several tags of one group are allowed.
    expect((await t.post('externalcontact/mark_tag', { userid: 'alice', external_userid: ids[0], add_tag: [a, b] })).errcode).toBe(0)
    const batch = await t.post('externalcontact/batch/get_by_user', { userid_list: ['alice'] })
    expect(batch.external_contact_list[0].follow_info.tag_id).toEqual([a, b])
    await t.post('externalcontact/del_corp_tag', { tag_id: [a] })
    expect(
      (await t.post('externalcontact/batch/get_by_user', { userid_list: ['alice'] })).external_contact_list[0].follow_info.tag_id,
    ).toEqual([b])
    expect(t.control.logs({ kind: 'mark_tag' }).items).toMatchObject([
      { userid: 'alice', external_userid: ids[0], add_tag: [a, b], remove_tag: [] },
    ])
  })
})
