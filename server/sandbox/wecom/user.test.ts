// user/get: member fields without the withheld sensitive ones, case-insensitive userids, and the error codes.
import { afterEach, describe, expect, it } from 'vitest'
import { GetUserResponse } from '../../platform/wecom/user.types'
import { type TestSandbox, setupSandbox } from '../testing'

let t: TestSandbox
afterEach(async () => t?.sandbox.close())

describe('user/get', () => {
  it('returns the member with name and departments, in the shape the client parses, and no sensitive fields', async () => {
    t = setupSandbox()
    t.control.addMembers(t.corp.corpid, {
      departments: [{ id: 2, name: '医生组' }],
      members: [{ userid: 'erin', name: '陈静', department: [2, 1], position: '主治医生', mobile: '13800000000' }],
    })
    const r = await t.get('user/get', { userid: 'erin' })
    expect(r).toMatchObject({
      errcode: 0,
      userid: 'erin',
      name: '陈静',
      department: [2, 1],
      order: [0, 0],
      position: '主治医生',
      main_department: 2,
      status: 1,
    })
    for (const field of ['mobile', 'gender', 'email', 'biz_mail', 'avatar', 'qr_code', 'address']) expect(r).not.toHaveProperty(field)
    expect(GetUserResponse.parse(r).name).toBe('陈静')
  })

  it('matches userids without regard to case and answers with the stored spelling', async () => {
    t = setupSandbox()
    expect(await t.get('user/get', { userid: 'ALICE' })).toMatchObject({ errcode: 0, userid: 'alice', name: '张丽' })
  })

  it('is open to every app, including members without customer contact', async () => {
    t = setupSandbox()
    const agent = await t.token('agent')
    expect(await t.get('user/get', { userid: 'dave' }, agent)).toMatchObject({ errcode: 0, name: '刘洋' })
  })

  it('answers 41009 without a userid, 40003 for a malformed one and 60111 for an unknown one', async () => {
    t = setupSandbox()
    expect((await t.get('user/get')).errcode).toBe(41009)
    expect((await t.get('user/get', { userid: 'not valid!' })).errcode).toBe(40003)
    const unknown = await t.get('user/get', { userid: 'nobody' })
    expect(unknown.errcode).toBe(60111)
    expect(unknown.errmsg).toMatch(/e=60111/)
  })
})
