// Strict XML in (no DTD, no entities, well-formed, size-capped, all values strings) and CDATA XML out.
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { create } from 'xmlbuilder2'
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces'

export class XmlError extends Error {}

export const MAX_XML_BYTES = 1024 * 1024

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (_name, jpath) => /\.Item$/.test(String(jpath)),
})

export type XmlValue = string | XmlObject | XmlValue[]
export interface XmlObject {
  [key: string]: XmlValue
}

/** Parses a platform XML document into the children of its root; throws XmlError on anything suspicious. */
export function parseXml(input: string | Buffer): XmlObject {
  const text = typeof input === 'string' ? input : input.toString('utf8')
  if (Buffer.byteLength(text) > MAX_XML_BYTES) throw new XmlError('xml too large')
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('DOCTYPE and entity declarations are not accepted')
  const valid = XMLValidator.validate(text)
  if (valid !== true) throw new XmlError(`malformed xml: ${valid.err.msg} (line ${valid.err.line})`)
  let doc: Record<string, unknown>
  try {
    doc = parser.parse(text) as Record<string, unknown>
  } catch (err) {
    throw new XmlError(`malformed xml: ${(err as Error).message}`)
  }
  const roots = Object.keys(doc)
  if (roots.length !== 1) throw new XmlError('xml must have exactly one root element')
  const root = doc[roots[0]]
  if (root === '' || root == null) return {}
  if (typeof root !== 'object') throw new XmlError('xml root has no elements')
  return root as XmlObject
}

/** A top-level text field of a parsed document ('' when absent). */
export function field(doc: XmlObject, name: string): string {
  const v = doc[name]
  return typeof v === 'string' ? v : ''
}

/** Builds `<xml>…</xml>` with strings in CDATA and numbers bare, as the platforms send and expect. */
export function buildXml(fields: Record<string, string | number | Record<string, unknown> | undefined>): string {
  const root = create().ele('xml')
  const add = (parent: XMLBuilder, obj: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined || v === null) continue
      if (typeof v === 'number') parent.ele(k).txt(String(v))
      else if (typeof v === 'object') add(parent.ele(k), v as Record<string, unknown>)
      // A CDATA section cannot contain "]]>"; such text goes out escaped, which every XML reader decodes the same way.
      else if (String(v).includes(']]>')) parent.ele(k).txt(String(v))
      else parent.ele(k).dat(String(v))
    }
  }
  add(root, fields)
  return root.end({ headless: true })
}
