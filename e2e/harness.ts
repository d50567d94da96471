// Browser-test helpers: the real server in-process on a fresh SQLite, Debian Chromium via playwright-core, screenshots.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core'
import { startServer as startAppServer } from '../server/main'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const SCREENSHOT_DIR = join(ROOT, 'e2e', 'screenshots')
export const E2E_ADMIN_PASSWORD = 'e2e-Admin-pass-2026'

export interface TestServer {
  url: string
  admin: { username: string; password: string }
  /** The server's own deps, for a test's setup that no API offers (e.g. an employee already bound to a fan). */
  deps: Awaited<ReturnType<typeof startAppServer>>['deps']
  close(): Promise<void>
}

/**
 * Starts the real server (migrations, demo org + platform admin, sandbox, dist/) on a random port with its own
 * temporary DATA_DIR and SQLite file. `dist/` must be built first (`npx vite build`).
 */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  for (const page of ['web', 'h5']) {
    if (!existsSync(join(ROOT, 'dist', page, 'index.html'))) {
      throw new Error(`dist/${page}/index.html is missing: run \`npx vite build\` before the browser tests`)
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-'))
  const password = env.ADMIN_PASSWORD ?? E2E_ADMIN_PASSWORD
  let running: Awaited<ReturnType<typeof startAppServer>>
  try {
    running = await startAppServer({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      // Always a fresh SQLite file, even when the shell points DATABASE_URL at MySQL.
      DATABASE_URL: `sqlite:${join(dataDir, 'crm.sqlite')}`,
      ADMIN_PASSWORD: password,
      LOG_LEVEL: 'silent',
      SCHEDULER: '0',
      ...env,
    })
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  return {
    url: running.url,
    admin: { username: running.admin.username, password },
    deps: running.deps,
    async close() {
      await running.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Debian's Chromium, headless (Playwright's default; toolchain notes G14). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** Writes e2e/screenshots/<name>.png (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true, animations: 'disabled' })
  return path
}

export interface ConsoleProblem {
  text: string
  url: string
}

/**
 * Records console errors and uncaught page errors. A missing favicon is ignored, and so is whatever `allow`
 * matches (e.g. the 401 of a deliberately wrong password).
 */
export function watchConsole(page: Page) {
  const problems: ConsoleProblem[] = []
  const allowed: Array<(p: ConsoleProblem) => boolean> = [(p) => /favicon/i.test(p.url) || /favicon/i.test(p.text)]
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') problems.push({ text: msg.text(), url: msg.location().url ?? '' })
  })
  page.on('pageerror', (err) => problems.push({ text: `pageerror: ${err.message}`, url: page.url() }))
  return {
    allow(match: (p: ConsoleProblem) => boolean) {
      allowed.push(match)
    },
    /** Problems nobody expected. */
    unexpected(): ConsoleProblem[] {
      return problems.filter((p) => !allowed.some((ok) => ok(p)))
    },
  }
}

export interface BrowserSession {
  server: TestServer
  browser: Browser
  context: BrowserContext
  page: Page
  console: ReturnType<typeof watchConsole>
  close(): Promise<void>
}

/** What every browser suite starts with: the real server, Chromium, and one zh-CN desktop page watching the console. */
export async function openSession(): Promise<BrowserSession> {
  const server = await startServer()
  const browser = await launchBrowser()
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  const page = await context.newPage()
  return {
    server,
    browser,
    context,
    page,
    console: watchConsole(page),
    async close() {
      await context.close()
      await browser.close()
      await server.close()
    },
  }
}

/**
 * The usual suite: one session for the whole file (handed to `onOpen` once it is up), closed after it, and every test
 * must leave the page's console clean.
 */
export function sessionPerFile(onOpen: (s: BrowserSession) => void): void {
  let session: BrowserSession | undefined
  beforeAll(async () => {
    session = await openSession()
    onOpen(session)
  })
  afterAll(async () => session?.close())
  afterEach(() => expect(session!.console.unexpected()).toEqual([]))
}

/**
 * A tRPC caller over HTTP with the page's session cookie, for a test's own setup (not what it checks): the page and
 * server are read at each call, so a test may replace either.
 */
export function apiCaller(current: () => { page: Page; baseUrl: string }) {
  return async function trpc<T = any>(kind: 'query' | 'mutation', path: string, input?: unknown): Promise<T> {
    const { page, baseUrl } = current()
    const url = `${baseUrl}/trpc/${path}`
    const res =
      kind === 'query'
        ? await page.request.get(input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`)
        : await page.request.post(url, { data: input ?? {} })
    const body = (await res.json()) as { result?: { data: T }; error?: { message?: string } }
    if (!res.ok() || !body.result) throw new Error(`${path}: HTTP ${res.status()} ${body.error?.message ?? ''}`)
    return body.result.data
  }
}

/** Links the demo corp (测试连接), optionally refreshes its tags, and runs the customer sync to its end. */
export async function syncDemo(trpc: ReturnType<typeof apiCaller>, opts: { refreshTags?: boolean } = {}): Promise<void> {
  await trpc('mutation', 'wecomConfig.test')
  if (opts.refreshTags) await trpc('mutation', 'tags.refresh')
  await trpc('mutation', 'jobs.runNow', { name: 'sync-customers' })
  for (let i = 0; i < 150; i++) {
    const runs = await trpc<{ items: { status: string }[] }>('query', 'jobs.runs', { jobName: 'sync-customers', pageSize: 5 })
    if (runs.items.some((r) => r.status === 'succeeded')) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('the demo customers were not synced')
}

/** An item of the admin's side menu, by its exact title. */
export const menuItem = (page: Page, title: string) => page.getByTestId('side-menu').getByRole('menuitem', { name: title, exact: true })

/** An element-plus toast carrying `text`. */
export const toast = (page: Page, text: string | RegExp) => page.locator('.el-message').filter({ hasText: text })

/**
 * A fresh platform-admin session (acting in the demo org) on the dashboard. The old page is left first, so its
 * requests do not fail mid-flight and log errors.
 */
export async function signInAsAdmin(page: Page, server: TestServer): Promise<void> {
  await page.goto('about:blank')
  await page.context().clearCookies()
  await apiCaller(() => ({ page, baseUrl: server.url }))('mutation', 'auth.login', {
    username: server.admin.username,
    password: server.admin.password,
  })
  await page.goto(`${server.url}/web/dashboard`)
  await menuItem(page, '概览').waitFor()
}
