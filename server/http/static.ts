// Serves the built admin (/web/) and staff (/h5/) pages with deep-link fallback to each index.html.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import express, { type Express } from 'express'

export function mountStatic(app: Express, distDir: string): boolean {
  const webIndex = join(distDir, 'web', 'index.html')
  const h5Index = join(distDir, 'h5', 'index.html')
  if (!existsSync(webIndex)) return false
  const assets = express.static(join(distDir, 'assets'), { immutable: true, maxAge: '365d', index: false })
  app.use('/assets', assets)
  app.use('/web', express.static(join(distDir, 'web'), { index: false }))
  app.use('/h5', express.static(join(distDir, 'h5'), { index: false }))
  const noCache = { headers: { 'Cache-Control': 'no-cache' } }
  app.get(['/web', '/web/{*rest}'], (_req, res) => res.sendFile(webIndex, noCache))
  if (existsSync(h5Index)) app.get(['/h5', '/h5/{*rest}'], (_req, res) => res.sendFile(h5Index, noCache))
  app.get('/', (_req, res) => res.redirect('/web/'))
  return true
}
