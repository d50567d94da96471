// The placeholder parser: keys in order, once each, typed by their prefix.
import { describe, expect, it } from 'vitest'
import { isLegacyTemplate, parseTemplateKeys, templateKeyType } from './template-keys'

describe('parseTemplateKeys', () => {
  it('reads a category template, typing each key by its prefix', () => {
    const content = '客户：{{thing1.DATA}}\n到店时间：{{time2.DATA}}\n意向：{{phrase3.DATA}}\n单号：{{character_string4.DATA}}'
    expect(parseTemplateKeys(content)).toEqual([
      { key: 'thing1', type: 'thing' },
      { key: 'time2', type: 'time' },
      { key: 'phrase3', type: 'phrase' },
      { key: 'character_string4', type: 'character_string' },
    ])
    expect(isLegacyTemplate(parseTemplateKeys(content))).toBe(false)
  })

  it('reads a legacy template with first, keywordN and remark', () => {
    const content = '{{first.DATA}}\n姓名：{{keyword1.DATA}}\n时间：{{keyword2.DATA}}\n{{remark.DATA}}'
    const keys = parseTemplateKeys(content)
    expect(keys).toEqual([
      { key: 'first', type: 'first' },
      { key: 'keyword1', type: 'keyword' },
      { key: 'keyword2', type: 'keyword' },
      { key: 'remark', type: 'remark' },
    ])
    expect(isLegacyTemplate(keys)).toBe(true)
  })

  it('names a repeated key once and tolerates spaces inside the braces', () => {
    expect(parseTemplateKeys('{{ amount1.DATA }} / {{amount1.DATA}} {{number2.DATA}}')).toEqual([
      { key: 'amount1', type: 'amount' },
      { key: 'number2', type: 'number' },
    ])
  })

  it('ignores text that only looks like a placeholder', () => {
    expect(parseTemplateKeys('{{thing1}} {thing2.DATA} {{.DATA}}')).toEqual([])
  })
})

describe('templateKeyType', () => {
  it.each([
    ['thing12', 'thing'],
    ['short_thing3', 'short_thing'],
    ['phone_number5', 'phone_number'],
    ['number5', 'number'],
    ['name1', 'name'],
    ['const7', 'const'],
    ['character_string10', 'character_string'],
    ['car_number2', 'car_number'],
    ['date4', 'date'],
    ['letter1', 'letter'],
    ['symbol1', 'symbol'],
  ])('%s → %s', (key, type) => {
    expect(templateKeyType(key)).toBe(type)
  })

  it('calls a key without digits or with an unknown prefix unknown', () => {
    expect(templateKeyType('thing')).toBe('unknown')
    expect(templateKeyType('colour1')).toBe('unknown')
    expect(templateKeyType('keyword')).toBe('unknown')
  })
})
