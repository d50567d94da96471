// `npm run migrate`: applies pending migrations to DATABASE_URL (or the demo SQLite file) and exits.
import { loadConfig } from '../config'
import { connectDb } from './connect'
import { migrateToLatest } from './migrate'

const config = loadConfig()
const handle = await connectDb(config.databaseUrl)
try {
  const applied = await migrateToLatest(handle.db)
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date')
} finally {
  await handle.close()
}
