// P2 load generator for bench/callbacks.ts, in its own process: scans at a fixed rate through the sandbox's control API.
//   tsx bench/callbacks-scan-driver.ts <sandbox url> <corpid> <config_id> <rate/s> <seconds>
// Prints one JSON line: { sent, seconds, scanAnswerMs: { p50, p99 }, scans: [[external_userid, event_ms], …] }.
import { argv } from 'node:process'
import { keepAliveFetch } from '../server/platform/keepalive-fetch'

const [sandboxUrl, corpid, configId, rateArg, secondsArg] = argv.slice(2)
const rate = Number(rateArg)
const total = rate * Number(secondsArg)

const answerMs: number[] = []

async function scan(): Promise<[string, number]> {
  const started = performance.now()
  // keep-alive node:http: the global fetch would cost this process several times the CPU, and it shares the machine.
  const r = await keepAliveFetch(`${sandboxUrl}/control/corps/${corpid}/scan`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // wait: false — the sandbox answers at once and delivers the callback on its own, as WeCom would.
    body: JSON.stringify({ config_id: configId, wait: false }),
  })
  const json = (await r.json()) as { external_userid: string; delivery: { created_at: number } }
  if (!r.ok) throw new Error(`scan failed: ${r.status} ${JSON.stringify(json)}`)
  answerMs.push(performance.now() - started)
  return [json.external_userid, json.delivery.created_at]
}

const scans: Promise<[string, number]>[] = []
const t0 = Date.now()
// A tick every 5 ms sends however many scans are due by then, so the rate holds even when a timer fires late.
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate))
    while (scans.length < due) scans.push(scan())
    if (scans.length >= total) {
      clearInterval(timer)
      resolve()
    }
  }, 5)
})
const seconds = (Date.now() - t0) / 1000
const done = await Promise.all(scans)
answerMs.sort((a, b) => a - b)
const at = (p: number) => Math.round(answerMs[Math.min(answerMs.length - 1, Math.floor((p / 100) * answerMs.length))])
process.stdout.write(`${JSON.stringify({ sent: scans.length, seconds, scanAnswerMs: { p50: at(50), p99: at(99) }, scans: done })}\n`)
