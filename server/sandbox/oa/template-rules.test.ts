// The per-type value rules of category templates, and how legacy templates and first/remark are treated.
import { describe, expect, it } from 'vitest'
import { OaError } from './errors'
import { checkTemplateData, valueFits } from './template-rules'

describe('valueFits', () => {
  it.each([
    ['thing', '张女士·皮肤管理咨询', true],
    ['thing', '一二三四五六七八九十一二三四五六七八九十', true],
    ['thing', '一二三四五六七八九十一二三四五六七八九十一', false],
    ['thing', 'a\nb', false],
    ['phrase', '高意向', true],
    ['phrase', '五个汉字呀', true],
    ['phrase', '六个汉字不行', false],
    ['phrase', 'high', false],
    ['character_string', 'LD20261121-001', true],
    ['character_string', '单号001', false],
    ['character_string', 'x'.repeat(33), false],
    ['time', '2026-11-21 10:00', true],
    ['time', '2026年11月21日 10:00:30', true],
    ['time', '10:00', true],
    ['time', '2026-11-21 10:00~2026-11-21 12:00', true],
    ['time', '明天上午', false],
    ['time', '25:00', false],
    ['date', '2026-11-21', true],
    ['date', '10:00', false],
    ['number', '12.5', true],
    ['number', '12a', false],
    ['amount', '¥1280.00', true],
    ['amount', '￥99元', true],
    ['amount', '1280', false],
    ['phone_number', '+86 138-0000-0000', true],
    ['phone_number', '电话', false],
    ['name', '欧阳娜娜', true],
    ['name', 'Nana Ouyang', true],
    ['name', '欧阳Nana是个很长的名字', false],
    ['letter', 'abc', true],
    ['letter', 'abc1', false],
    ['symbol', '+-', true],
    ['symbol', 'a', false],
    ['car_number', '粤B12345', true],
    ['car_number', '粤B中2345', false],
  ] as const)('%s %j → %s', (type, value, ok) => {
    expect(valueFits(type, value)).toBe(ok)
  })

  it('accepts a const value only if approved for the template', () => {
    expect(valueFits('const', '已完成', ['已完成', '已取消'])).toBe(true)
    expect(valueFits('const', '进行中', ['已完成', '已取消'])).toBe(false)
    expect(valueFits('const', '已完成')).toBe(false)
  })
})

const CATEGORY = '{{thing1.DATA}} {{time2.DATA}} {{phrase3.DATA}} {{character_string4.DATA}}'
const LEGACY = '{{first.DATA}} {{keyword1.DATA}} {{keyword2.DATA}} {{remark.DATA}}'

function errOf(fn: () => unknown): OaError {
  try {
    fn()
  } catch (err) {
    if (err instanceof OaError) return err
    throw err
  }
  throw new Error('expected an OaError')
}

describe('checkTemplateData', () => {
  const good = { thing1: '张女士', time2: '2026-11-21 10:00', phrase3: '高意向', character_string4: 'LD001' }

  it('passes good category data through as displayed', () => {
    expect(checkTemplateData(CATEGORY, good)).toEqual({ displayed: good, notDisplayed: [] })
  })

  it('names the key whose value breaks its rule, and the empty one', () => {
    const bad = errOf(() => checkTemplateData(CATEGORY, { ...good, phrase3: '非常高的意向' }))
    expect(bad.errcode).toBe(47003)
    expect(bad.detail).toBe('data.phrase3.value invalid')
    const empty = errOf(() => checkTemplateData(CATEGORY, { ...good, time2: '' }))
    expect(empty.detail).toBe('data.time2.value is empty')
    expect(errOf(() => checkTemplateData(CATEGORY, { thing1: '张女士' })).detail).toBe('data.time2.value is empty')
  })

  it('folds legacy values after 20 characters and never displays first/remark', () => {
    const long = '一二三四五六七八九十一二三四五六七八九十超出部分'
    const r = checkTemplateData(LEGACY, { first: '您好', keyword1: long, keyword2: '', remark: '请及时处理' })
    expect(r.displayed).toEqual({ keyword1: long.slice(0, 20) })
    expect(r.notDisplayed).toEqual(['first', 'remark'])
  })
})
