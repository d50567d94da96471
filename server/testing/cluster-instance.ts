// server/main.ts as a multi-instance test runs it: the same start-up and shutdown, refresh-tokens every 2 s so ticks happen within the test.
import { allJobs } from '../jobs/index'
import { main } from '../main'

await main({ jobs: allJobs().map((j) => (j.name === 'refresh-tokens' ? { ...j, schedule: '*/2 * * * * *' } : j)) })
