// Value fitting per key type, the legacy default mapping and the suggested category mapping, checked against the sandbox's own rules.
import { describe, expect, it } from 'vitest'
import { parseTemplateKeys } from '../../platform/oa/template-keys'
import { LEGACY_TEMPLATE, CATEGORY_TEMPLATE } from '../../sandbox/oa/accounts'
import { checkTemplateData } from '../../sandbox/oa/template-rules'
import { SCENES } from '../../../shared/schemas/notify'
import { sceneTexts, type SceneVars } from './scene-texts'
import { fitTemplate, fitValue, suggestedMapping } from './template-fit'

const T = Date.UTC(2026, 11, 1, 1, 2, 3)

describe('fitValue', () => {
  it('cuts thing to 20 with …, keeps only 汉字 in a phrase, drops Chinese from character_string, formats time and amount', () => {
    expect(fitValue('thing', { text: '一'.repeat(25) })).toMatchObject({ value: `${'一'.repeat(19)}…` })
    expect(fitValue('thing', { text: '短文' })).toEqual({ value: '短文' })
    expect(fitValue('phrase', { text: 'A类意向客户' }).value).toBe('类意向客户')
    expect(fitValue('phrase', { text: 'ABC' })).toMatchObject({ unfit: true })
    expect(fitValue('character_string', { text: '编号NT12' }).value).toBe('NT12')
    expect(fitValue('character_string', { text: '全中文' })).toMatchObject({ unfit: true })
    expect(fitValue('time', { text: 'x', ms: T }).value).toBe('2026-12-01 09:02:03')
    expect(fitValue('date', { text: 'x', ms: T }).value).toBe('2026-12-01')
    expect(fitValue('amount', { text: '￥99.5', money: 99.5 }).value).toBe('¥99.50')
    expect(fitValue('keyword', { text: '二'.repeat(21) }).value).toBe(`${'二'.repeat(19)}…`)
    expect(fitValue('keyword', null).value).toBe('')
    expect(fitValue('thing', null)).toMatchObject({ unfit: true })
    expect(fitValue('name', { text: '很长很长的机构名称超过十个字' }).value).toBe('很长很长的机构名称超')
  })
})

describe('mappings', () => {
  it('legacy default: first 消息类型, keyword1 客户名称, keyword2 消息类型, keyword3 推送内容, keyword4 通知时间, remark empty', () => {
    expect(suggestedMapping('recharge', parseTemplateKeys(LEGACY_TEMPLATE.content))).toEqual({
      first: { var: 'title' },
      keyword1: { var: 'customer_name' },
      keyword2: { var: 'title' },
      keyword3: { var: 'content' },
      keyword4: { var: 'time' },
      remark: { var: 'none' },
    })
  })

  it('every scene fills the seeded category template so that the platform’s rules accept it', () => {
    for (const scene of SCENES) {
      const v: SceneVars = {
        org_name: '示例诊所',
        time: T,
        level: 'A',
        customer_phone: '13800138000',
        customer_name: '张女士',
        balance: 50,
        threshold: 100,
        amount: 200,
        expiry_at: T,
        total: 10,
        batch_at: T,
        run: 100,
        announcement_title: '系统升级通知',
        announcement_content: '内容',
        serial: 'NT1',
      }
      const fitted = fitTemplate(scene, CATEGORY_TEMPLATE.content, {}, v, sceneTexts(scene, v))
      expect(fitted.unfit, scene).toEqual([])
      const data = Object.fromEntries(Object.entries(fitted.data).map(([k, x]) => [k, x.value]))
      expect(checkTemplateData(CATEGORY_TEMPLATE.content, data).displayed, scene).toEqual(data)
    }
  })
})
