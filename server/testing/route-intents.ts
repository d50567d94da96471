// A second process for the routing test: routes N intent calls of one org against a shared MariaDB and prints who got each.
//
//   node --import tsx server/testing/route-intents.ts <database url> <orgId> <count>
import { connectDb } from '../db/connect'
import { routeIntent } from '../modules/push-configs/push-routing'
import { createTestDeps } from './deps'

const [url, org, count] = process.argv.slice(2)
const handle = await connectDb(url, { poolSize: 4 })
try {
  const deps = createTestDeps(handle)
  const picked: number[] = []
  // Two callers at once in each process, as a queue with concurrency > 1 would route.
  const worker = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const r = await routeIntent(deps, Number(org), { scriptTemplateId: null, intentionLevel: 'A' })
      picked.push(r?.employees[0]?.id ?? 0)
    }
  }
  const n = Number(count)
  await Promise.all([worker(Math.ceil(n / 2)), worker(Math.floor(n / 2))])
  process.stdout.write(`${JSON.stringify(picked)}\n`)
} finally {
  await handle.close()
}
