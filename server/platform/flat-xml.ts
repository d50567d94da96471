// A fast reader for the flat XML WeCom sends (<xml> with text/CDATA children); anything else goes to the strict parser.
import { MAX_XML_BYTES, parseXml, type XmlObject } from './xml'

// One child: <Name>, then a single CDATA section or plain text (no markup, no entity, no ']'), then </Name>.
const CHILD = /\s*<([A-Za-z_][A-Za-z0-9_]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<&\]]*))<\/\1>/y
const OPEN = /^\s*<xml>/
const CLOSE = /\s*<\/xml>\s*$/y

/**
 * The children of a flat `<xml>` document, or null when the text is anything else (declaration, DOCTYPE, entities,
 * attributes, nesting, repeated names, mixed content, malformed). It accepts only documents on which it gives exactly
 * what parseXml gives (CDATA kept verbatim, text trimmed), so callers may fall back to parseXml on null and lose nothing.
 */
export function readFlatXml(text: string): XmlObject | null {
  if (text.length > MAX_XML_BYTES / 4) return null
  const open = OPEN.exec(text)
  if (!open) return null
  const entries: [string, string][] = []
  const seen = new Set<string>()
  let pos = open[0].length
  for (;;) {
    CLOSE.lastIndex = pos
    if (CLOSE.test(text)) return Object.fromEntries(entries)
    CHILD.lastIndex = pos
    const m = CHILD.exec(text)
    if (!m || seen.has(m[1])) return null
    seen.add(m[1])
    entries.push([m[1], m[2] ?? m[3].trim()])
    pos = CHILD.lastIndex
  }
}

/** readFlatXml when it can, else the strict parser (which throws XmlError on anything unsafe or malformed). */
export function parseCallbackXml(text: string): XmlObject {
  return readFlatXml(text) ?? parseXml(text)
}
