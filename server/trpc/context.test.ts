// The abandon signal: it aborts when the browser closes the connection before the answer, and never after a full answer.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { abandonSignal } from './context'

describe('abandonSignal', () => {
  it('aborts when the client goes away mid-request, not when the answer was sent', async () => {
    const signals: AbortSignal[] = []
    let arrived: () => void = () => {}
    const gotSlow = new Promise<void>((r) => (arrived = r))
    const app = express()
    app.get('/slow', (_req, res) => {
      signals[0] = abandonSignal(res)
      arrived()
      // Never answers on its own: only the client leaving ends it.
      signals[0].addEventListener('abort', () => res.end())
    })
    app.get('/fast', (_req, res) => {
      signals[1] = abandonSignal(res)
      res.json({ ok: true })
    })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      await (await fetch(`${base}/fast`)).json()
      const leaving = new AbortController()
      const pending = fetch(`${base}/slow`, { signal: leaving.signal }).catch(() => 'aborted')
      await gotSlow
      expect(signals[0]!.aborted).toBe(false)
      leaving.abort()
      expect(await pending).toBe('aborted')
      await expect.poll(() => signals[0]!.aborted).toBe(true)
      expect(signals[1]!.aborted).toBe(false)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
