// GET /r/:token: a broadcast's tracking link — counts the click (and the visitor once), then 302 to the admin's URL.
import { createHash } from 'node:crypto'
import { Router } from 'express'
import type { Deps } from '../../deps'
import { recordBroadcastClick } from './broadcasts.service'

const TOKEN = /^[A-Za-z0-9_-]{8,32}$/

export function createBroadcastRedirectRouter(deps: Deps): Router {
  const router = Router()
  router.get('/r/:token', async (req, res) => {
    const token = req.params.token
    // A hash of address and browser: unique clickers without keeping who they are.
    const visitor = createHash('sha256')
      .update(`${req.ip ?? ''}|${req.get('user-agent') ?? ''}`)
      .digest('hex')
      .slice(0, 32)
    try {
      const url = TOKEN.test(token) ? await recordBroadcastClick(deps, token, visitor) : undefined
      if (!url) {
        res.status(404).type('text/plain; charset=utf-8').send('链接不存在或已失效')
        return
      }
      res.set('Cache-Control', 'no-store')
      res.redirect(302, url)
    } catch (err) {
      deps.log.error({ err }, 'tracking link failed')
      res.status(500).type('text/plain; charset=utf-8').send('服务器繁忙，请稍后再试')
    }
  })
  return router
}
