// `npm test`: every suite — server on SQLite, the same on MariaDB, browser — then one `N passed, N failed` line.
// A suite that cannot run here is reported as skipped; with CI=true a skipped suite fails the run.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'

const ci = process.env.CI === 'true' || process.env.CI === '1'
const mysqlUrl = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const extraArgs = process.argv.slice(2)

async function mysqlAnswers() {
  try {
    const mysql = await import('mysql2/promise')
    const conn = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 })
    await conn.query('SELECT 1')
    await conn.end()
    return true
  } catch (err) {
    console.error(`MariaDB not reachable at ${mysqlUrl}: ${err.message}`)
    return false
  }
}

const projects = ['sqlite']
const skipped = []
if (await mysqlAnswers()) projects.push('mysql')
else skipped.push('mysql (MariaDB not reachable)')
if (existsSync(chromium)) projects.push('browser')
else skipped.push(`browser (no Chromium at ${chromium})`)

if (projects.includes('browser')) {
  const build = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
  if (build.status !== 0) {
    console.error('vite build failed')
    process.exit(1)
  }
}

const report = '.vitest-report.json'
rmSync(report, { force: true })
const args = [
  'node_modules/vitest/vitest.mjs',
  'run',
  ...projects.flatMap((p) => ['--project', p]),
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...extraArgs,
]
const run = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env })

let passed = 0
let failed = 0
let pending = 0
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  passed = r.numPassedTests
  failed = r.numFailedTests
  pending = r.numPendingTests + (r.numTodoTests ?? 0)
}
console.log(`\nsuites run: ${projects.join(', ')}${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''}`)
console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`)
if (pending) console.log(`(${pending} tests marked skip/todo)`)
if (run.status !== 0 || failed > 0 || passed === 0) process.exit(run.status || 1)
if (skipped.length && ci) {
  console.error('CI=true: a skipped suite is a failure')
  process.exit(1)
}
