// The XML boundary: hostile documents are refused, values stay exact strings, and replies round-trip.
import { describe, expect, it } from 'vitest'
import { buildXml, field, MAX_XML_BYTES, parseXml, XmlError } from './xml'

describe('parseXml refuses', () => {
  it('a DOCTYPE, with or without entities', () => {
    expect(() => parseXml('<!DOCTYPE xml><xml><a>1</a></xml>')).toThrow(XmlError)
    expect(() => parseXml('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY who "WORLD">]><xml><a>hello &who;</a></xml>')).toThrow(XmlError)
    expect(() => parseXml('<!doctype x SYSTEM "file:///etc/passwd"><xml><a>&x;</a></xml>')).toThrow(XmlError)
  })

  it('an ENTITY declaration even without a DOCTYPE keyword in front', () => {
    expect(() => parseXml('<xml><a>x</a></xml><!ENTITY e "x">')).toThrow(XmlError)
  })

  it('malformed documents', () => {
    expect(() => parseXml('<xml><a>1</b></xml>')).toThrow(XmlError)
    expect(() => parseXml('<xml><a>1</a>')).toThrow(XmlError)
    expect(() => parseXml('hello')).toThrow(XmlError)
    expect(() => parseXml('<a>1</a><b>2</b>')).toThrow(XmlError)
  })

  it('documents over 1 MB, counted in bytes', () => {
    const filler = 'x'.repeat(MAX_XML_BYTES)
    expect(() => parseXml(`<xml><a>${filler}</a></xml>`)).toThrow(/too large/)
    // 350 000 three-byte characters are ~1 MB in UTF-8 although far fewer characters.
    expect(() => parseXml(`<xml><a>${'诊'.repeat(350_000)}</a></xml>`)).toThrow(/too large/)
    expect(parseXml(`<xml><a>${'x'.repeat(1000)}</a></xml>`).a).toHaveLength(1000)
  })
})

describe('parseXml values', () => {
  it('keeps every value a string, so a 19-digit MsgId survives exactly', () => {
    const doc = parseXml(
      '<xml><ToUserName><![CDATA[ww123]]></ToUserName><CreateTime>1409659813</CreateTime>' +
        '<MsgId>1234567890123456789</MsgId><AgentID>1000002</AgentID><Empty></Empty></xml>',
    )
    expect(doc.MsgId).toBe('1234567890123456789')
    expect(doc.CreateTime).toBe('1409659813')
    expect(doc.AgentID).toBe('1000002')
    expect(doc.Empty).toBe('')
    expect(field(doc, 'ToUserName')).toBe('ww123')
    expect(field(doc, 'Missing')).toBe('')
  })

  it('keeps CDATA content verbatim and decodes only the predefined entities', () => {
    const doc = parseXml('<xml><A><![CDATA[a & b < c]]></A><B>x &lt; y &amp; z</B></xml>')
    expect(doc.A).toBe('a & b < c')
    expect(doc.B).toBe('x < y & z')
  })

  it('accepts a Buffer and always gives Item lists as arrays', () => {
    const doc = parseXml(Buffer.from('<xml><MemChangeList><Item>u1</Item></MemChangeList></xml>'))
    expect(doc.MemChangeList).toEqual({ Item: ['u1'] })
  })
})

describe('buildXml', () => {
  it('wraps strings in CDATA, leaves numbers bare, and round-trips through parseXml', () => {
    const fields = { ToUserName: 'user&1', FromUserName: 'ww<corp>', CreateTime: 1714112445, MsgType: 'text', Content: '你好 "医生"' }
    const xml = buildXml(fields)
    expect(xml).toContain('<ToUserName><![CDATA[user&1]]></ToUserName>')
    expect(xml).toContain('<CreateTime>1714112445</CreateTime>')
    expect(parseXml(xml)).toEqual({ ...fields, CreateTime: '1714112445' })
  })

  it('survives text that would close a CDATA section', () => {
    const xml = buildXml({ Content: 'a]]>b<![CDATA[c' })
    expect(parseXml(xml).Content).toBe('a]]>b<![CDATA[c')
  })

  it('nests objects and skips undefined fields', () => {
    const xml = buildXml({ Encrypt: 'abc+/=', Skip: undefined, Inner: { Nonce: 'n1' } })
    expect(parseXml(xml)).toEqual({ Encrypt: 'abc+/=', Inner: { Nonce: 'n1' } })
  })
})
