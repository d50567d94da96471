// keepAliveFetch behaves like fetch where requestJson looks: status, body, errors with codes, aborts, reuse of sockets.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../lib/logger'
import { requestJson, TransportFailure } from './http'
import { keepAliveFetch } from './keepalive-fetch'

let server: Server
let base: string
const ports: number[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    ports.push(req.socket.remotePort!)
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('{}'), 500)
      if (req.url?.startsWith('/status/')) {
        res.statusCode = Number(req.url.split('/')[2])
        return void res.end('not json')
      }
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ method: req.method, url: req.url, body, type: req.headers['content-type'] ?? null, 中文: '欢迎' }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

describe('keepAliveFetch', () => {
  it('GETs and POSTs JSON, reads UTF-8, reports status and headers, and reuses its socket', async () => {
    const get = await keepAliveFetch(`${base}/x?a=1&b=%E4%B8%AD`)
    expect(get.status).toBe(200)
    expect(get.headers.get('content-type')).toBe('application/json')
    expect(await get.json()).toMatchObject({ method: 'GET', url: '/x?a=1&b=%E4%B8%AD', body: '', 中文: '欢迎' })
    const post = await keepAliveFetch(`${base}/y`, {
      method: 'POST',
      body: JSON.stringify({ 名字: '林' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(JSON.parse(await post.text())).toMatchObject({ method: 'POST', body: '{"名字":"林"}', type: 'application/json; charset=utf-8' })
    expect(ports.at(-1)).toBe(ports.at(-2))
  })

  it('hands other bodies (FormData) to the global fetch', async () => {
    const form = new FormData()
    form.append('media', new Blob(['abc']), 'a.txt')
    const r = await keepAliveFetch(`${base}/upload`, { method: 'POST', body: form })
    expect(((await r.json()) as { type: string }).type).toMatch(/^multipart\/form-data/)
  })

  it('through requestJson: non-JSON 5xx, refused connections (not sent) and timeouts fail as with fetch', async () => {
    const call = (url: string, timeoutMs = 2000) =>
      requestJson({ platform: 'wecom', endpoint: '/e', method: 'GET', url, timeoutMs, fetchImpl: keepAliveFetch, log: silentLogger })
    expect(await call(`${base}/ok`)).toMatchObject({ method: 'GET' })
    await expect(call(`${base}/status/502`)).rejects.toMatchObject({ message: '/e: HTTP 502', ambiguous: true })

    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const deadPort = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const refused = await call(`http://127.0.0.1:${deadPort}/`).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(TransportFailure)
    expect(refused).toMatchObject({ ambiguous: false, message: '/e: network error ECONNREFUSED' })

    const slow = await call(`${base}/slow`, 100).catch((e: unknown) => e)
    expect(slow).toMatchObject({ message: '/e: timed out after 100 ms', ambiguous: true })
  })
})
