// `npm start`: loads .env when present, builds the pages if this checkout has no build yet, then runs the server.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

// Variables already set in the environment win over the file (loadEnvFile never overwrites them).
const envFile = process.env.ENV_FILE ?? '.env'
if (existsSync(envFile)) {
  process.loadEnvFile(envFile)
  console.log(`Loaded ${envFile}`)
}

if (!existsSync('dist/web/index.html') || !existsSync('dist/h5/index.html')) {
  console.log('Building the admin and H5 pages (first start)…')
  const build = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status ?? 1)
}
const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { stdio: 'inherit' })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
