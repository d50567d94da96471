// `npm run sandbox`: the WeCom emulator as its own process on SANDBOX_PORT (default 4100), mounted at /sandbox.
import express from 'express'
import { z } from 'zod'
import { createSandbox } from './index'

const env = z
  .object({
    SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
    SANDBOX_HOST: z.string().default('127.0.0.1'),
    /** Origin clients and phones use to reach this process (QR codes point here). */
    SANDBOX_PUBLIC_URL: z.url().optional(),
    SANDBOX_SEED: z.enum(['demo', 'none']).default('demo'),
    SANDBOX_STATE_FILE: z.string().min(1).optional(),
    SANDBOX_CALLBACK_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
    SANDBOX_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().optional(),
  })
  .safeParse(process.env)

if (!env.success) {
  console.error(`Invalid environment:\n${z.prettifyError(env.error)}`)
  process.exit(1)
}
const e = env.data
const publicBaseUrl = e.SANDBOX_PUBLIC_URL ?? `http://127.0.0.1:${e.SANDBOX_PORT}`

const sandbox = createSandbox({
  publicBaseUrl,
  seed: e.SANDBOX_SEED,
  stateFile: e.SANDBOX_STATE_FILE,
  callbackTimeoutMs: e.SANDBOX_CALLBACK_TIMEOUT_MS,
  rateLimitPerMinute: e.SANDBOX_RATE_LIMIT_PER_MINUTE,
})

const app = express()
app.disable('x-powered-by')
app.use('/sandbox', sandbox.router)
app.get('/', (_req, res) => res.redirect('/sandbox'))

const server = app.listen(e.SANDBOX_PORT, e.SANDBOX_HOST, () => {
  console.log(`WeCom sandbox on ${publicBaseUrl}/sandbox`)
  console.log(`  API base (WECOM_API_BASE): ${publicBaseUrl}/sandbox/wecom`)
  console.log(`  control API:               ${publicBaseUrl}/sandbox/control  (see server/sandbox/README.md)`)
  for (const corp of sandbox.control.listCorps()) {
    console.log(`  corp ${corp.name} corpid=${corp.corpid}: ${corp.counts.members} members, ${corp.counts.customers} customers`)
    for (const a of corp.apps) console.log(`    app ${a.agentid} ${a.name} (${a.kind}) secret via GET /sandbox/control/corps`)
  }
})

let stopping = false
async function stop(signal: string) {
  if (stopping) return
  stopping = true
  console.log(`${signal}: stopping sandbox`)
  server.close()
  server.closeAllConnections()
  await sandbox.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))
