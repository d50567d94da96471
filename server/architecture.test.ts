// The house rules, held by test: SQL only in repositories, tRPC only in routers and server/trpc, no import cycles in server/.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function walk(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...walk(path))
    else if (name.endsWith('.ts')) out.push(path)
  }
  return out
}

/** Production code of the server: tests, test helpers, benches and the sandbox are held to other rules. */
const isTestCode = (rel: string) => /\.test\.ts$|\.(test-)?fixtures\.ts$|^server\/testing\//.test(rel)
const serverFiles = walk(join(ROOT, 'server')).map((abs) => ({ abs, rel: relative(ROOT, abs).split('\\').join('/') }))
const production = serverFiles.filter((f) => !isTestCode(f.rel))
const source = new Map(production.map((f) => [f.rel, readFileSync(f.abs, 'utf8')]))

/** Code without comments and string contents, so a query named in a comment or a message does not count. */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`/g, "''")
}

describe('house rules', () => {
  it('writes SQL only in repositories, server/db and the sandbox', () => {
    const allowed = (rel: string) => rel.endsWith('.repository.ts') || rel.startsWith('server/db/') || rel.startsWith('server/sandbox/')
    const offenders = [...source]
      .filter(
        ([rel, text]) => !allowed(rel) && /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(/.test(codeOnly(text)),
      )
      .map(([rel]) => rel)
    expect(offenders, 'query builders outside *.repository.ts / server/db').toEqual([])
  })

  it('imports @trpc/server only in server/trpc and *.router.ts', () => {
    const offenders = [...source]
      .filter(([rel, text]) => !rel.startsWith('server/trpc/') && !rel.endsWith('.router.ts') && /from '@trpc\/server/.test(text))
      .map(([rel]) => rel)
    expect(offenders).toEqual([])
  })

  // Type-only imports count too: a circle of types is still two modules that cannot be understood one without the other.
  it('has no import cycles among the server modules', () => {
    const graph = new Map<string, string[]>()
    for (const [rel, text] of source) {
      const deps: string[] = []
      for (const m of text.matchAll(/^(?:import|export)\s[^'";]*?from\s*'(\.[^']+)'/gm)) {
        const target = relative(ROOT, resolve(ROOT, dirname(rel), m[1]))
          .split('\\')
          .join('/')
        const file = source.has(`${target}.ts`) ? `${target}.ts` : source.has(`${target}/index.ts`) ? `${target}/index.ts` : null
        if (file) deps.push(file)
      }
      graph.set(rel, deps)
    }
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const stack: string[] = []
    const visit = (node: string) => {
      state.set(node, 'open')
      stack.push(node)
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '))
        else if (!state.has(next)) visit(next)
      }
      stack.pop()
      state.set(node, 'done')
    }
    for (const node of graph.keys()) if (!state.has(node)) visit(node)
    expect(cycles).toEqual([])
  })

  it('opens every server file with a line saying what it is for', () => {
    const missing = serverFiles.filter((f) => !/^\/\/ \S/.test(readFileSync(f.abs, 'utf8'))).map((f) => f.rel)
    expect(missing).toEqual([])
  })
})
