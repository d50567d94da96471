// readFlatXml agrees with the strict parser on every document it accepts, and declines everything unusual.
import { describe, expect, it } from 'vitest'
import { buildXml, parseXml, XmlError } from './xml'
import { parseCallbackXml, readFlatXml } from './flat-xml'

const strict = (s: string) => {
  try {
    return parseXml(s)
  } catch (e) {
    return e instanceof XmlError ? 'XmlError' : 'other'
  }
}

const accepted = [
  '<xml><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[event]]></MsgType></xml>',
  '<xml>\n<A><![CDATA[  spaced  ]]></A>\n<B>  12 \n</B>\n<C></C><D><![CDATA[]]></D>\n</xml>\n',
  '<xml><A><![CDATA[<b>&amp;</b> ]]]></A><B>a > b</B></xml>',
  '<xml><A>中文 内容</A><B><![CDATA[多行\n文本]]></B></xml>',
  '<xml><A>\u3000全角\u00a0</A></xml>',
  '<xml></xml>',
  '  <xml> </xml>  ',
]

const declined = [
  '<?xml version="1.0"?><xml><A>1</A></xml>',
  '<!DOCTYPE xml [<!ENTITY e "x">]><xml><A>&e;</A></xml>',
  '<xml><A>a &gt; b</A></xml>',
  '<xml><A>x</A><A>y</A></xml>',
  '<xml><A><![CDATA[a]]>b</A></xml>',
  '<xml><A>a]]>b</A></xml>',
  '<xml><A/></xml>',
  '<xml><A x="1">v</A></xml>',
  '<xml><List><Item>1</Item></List></xml>',
  '<xml><A>1</A>text</xml>',
  '<xml><A>1</B></xml>',
  '<xml><A>1</A>',
  '<root><A>1</A></root>',
  '<xml><A>1</A></xml><xml></xml>',
  '<xml><ns:A>1</ns:A></xml>',
  '',
  'not xml',
]

describe('readFlatXml', () => {
  it('gives exactly what parseXml gives on flat documents', () => {
    for (const doc of accepted) {
      const fast = readFlatXml(doc)
      expect(fast, doc).not.toBeNull()
      expect(fast, doc).toEqual(parseXml(doc))
    }
  })

  it('agrees with parseXml on generated callback documents', () => {
    const alphabet = ['a', ' ', '\n', '中', '>', '"', "'", '\t', 'Z', '9', ']', '[']
    for (let i = 0; i < 300; i++) {
      const value = Array.from({ length: i % 17 }, (_, k) => alphabet[(i * 7 + k * 3) % alphabet.length]).join('')
      const doc = buildXml({
        ToUserName: 'wwcorp',
        CreateTime: 1700000000 + i,
        MsgType: 'event',
        Content: value,
        Note: i % 2 ? value : undefined,
      })
      const fast = readFlatXml(doc)
      if (fast) expect(fast, doc).toEqual(parseXml(doc))
      else expect(doc).toMatch(/\]\]>|&/) // only the escaped forms buildXml uses for "]]>" may fall back
    }
  })

  it('declines anything unusual, and the strict parser then decides', () => {
    for (const doc of declined) {
      expect(readFlatXml(doc), doc).toBeNull()
      const viaFallback = (() => {
        try {
          return parseCallbackXml(doc)
        } catch (e) {
          return e instanceof XmlError ? 'XmlError' : 'other'
        }
      })()
      expect(viaFallback, doc).toEqual(strict(doc))
    }
  })
})
