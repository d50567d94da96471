// Token-free pages of the emulated platform: contact-way QR PNGs, the page the QR opens, avatars, media, OAuth.
import { type Request, type Response, Router } from 'express'
import QRCode from 'qrcode'
import { type SandboxContext, sandboxUrl } from '../context'
import type { ContactWay, CorpState } from '../state'
import { issueOAuthCode } from './auth'

function findWay(ctx: SandboxContext, configId: string): { corp: CorpState; way: ContactWay } | null {
  for (const corp of ctx.state.corps.values()) {
    const way = corp.contactWays.get(configId)
    if (way) return { corp, way }
  }
  return null
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}button,a.btn{display:block;width:100%;margin:.5rem 0;padding:.7rem;border:0;border-radius:.4rem;background:#07c160;color:#fff;font-size:1rem;text-align:center;text-decoration:none}input{width:100%;padding:.5rem;box-sizing:border-box}small{color:#888}pre{white-space:pre-wrap;background:#f5f5f5;padding:.5rem}</style></head><body>${body}</body></html>`
}

const AVATAR_COLORS = ['#f56a00', '#7265e6', '#ffbf00', '#00a2ae', '#eb2f96', '#52c41a', '#1677ff', '#fa541c']

export function publicRouter(ctx: SandboxContext): Router {
  const r = Router()
  // QR images never change for a config_id; a small cache keeps repeated page loads cheap.
  const qrCache = new Map<string, Buffer>()

  r.get('/qr/:configId.png', async (req: Request, res: Response) => {
    const configId = String(req.params.configId)
    if (!findWay(ctx, configId)) {
      res.status(404).type('text/plain').send('no such contact way')
      return
    }
    let png = qrCache.get(configId)
    if (!png) {
      png = await QRCode.toBuffer(sandboxUrl(ctx, `/wecom/scan/${configId}`), {
        type: 'png',
        margin: 2,
        width: 300,
        errorCorrectionLevel: 'M',
      })
      if (qrCache.size > 500) qrCache.clear()
      qrCache.set(configId, png)
    }
    res.type('image/png').set('cache-control', 'public, max-age=3600').send(png)
  })

  // What a phone shows after scanning the sandbox QR: a button that plays the customer adding the member.
  r.get('/scan/:configId', (req: Request, res: Response) => {
    const found = findWay(ctx, String(req.params.configId))
    if (!found) {
      res.status(404).type('text/html').send(page('二维码已失效', '<h2>二维码已失效</h2><p>该「联系我」二维码不存在或已删除。</p>'))
      return
    }
    const { corp, way } = found
    const scanUrl = `../../control/corps/${encodeURIComponent(corp.corpid)}/scan`
    res.type('text/html').send(
      page(
        `添加${corp.name}`,
        `<h2>${escapeHtml(corp.name)}</h2><p>${escapeHtml(way.remark || '联系我')}<br><small>state: ${escapeHtml(way.state || '—')} · config_id: ${escapeHtml(way.config_id)}</small></p>
<label>你的微信昵称（可不填）<input id="name" maxlength="32"></label>
<button id="add">添加到通讯录（沙箱模拟扫码）</button><pre id="out"></pre>
<script>document.getElementById('add').onclick=async()=>{const name=document.getElementById('name').value.trim();const body={config_id:${JSON.stringify(way.config_id)}};if(name)body.customer={name};const r=await fetch(${JSON.stringify(scanUrl)},{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)});const j=await r.json();document.getElementById('out').textContent=r.ok?'已添加：'+j.userid+' ← '+j.external_userid+'\\n回调：'+(j.delivery?j.delivery.status:'未配置'):(j.error||r.status)}</script>`,
      ),
    )
  })

  r.get('/avatar/:id.svg', (req: Request, res: Response) => {
    const id = String(req.params.id)
    let name = '客'
    for (const corp of ctx.state.corps.values()) {
      const c = corp.customers.get(id)
      if (c) {
        name = c.name
        break
      }
    }
    let h = 0
    for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0
    const color = AVATAR_COLORS[Math.abs(h) % AVATAR_COLORS.length]
    const letter = escapeHtml([...name][0] ?? '客')
    res
      .type('image/svg+xml')
      .set('cache-control', 'public, max-age=86400')
      .send(
        `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132"><rect width="132" height="132" fill="${color}"/><text x="66" y="66" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="60" fill="#fff">${letter}</text></svg>`,
      )
  })

  r.get('/media-cdn/:mediaId', (req: Request, res: Response) => {
    for (const corp of ctx.state.corps.values()) {
      const m = corp.media.get(String(req.params.mediaId))
      if (m?.data) {
        res.type(m.content_type || 'application/octet-stream').send(m.data)
        return
      }
    }
    res.status(404).type('text/plain').send('no such media')
  })

  /**
   * Stand-in for open.weixin.qq.com/connect/oauth2/authorize: pick a member, get redirected back
   * with ?code=&state= exactly as the WeCom client would do.
   */
  r.get('/connect/oauth2/authorize', (req: Request, res: Response) => {
    const q = req.query as Record<string, string | undefined>
    const corp = q.appid ? ctx.state.corps.get(q.appid) : undefined
    if (!corp || !q.redirect_uri) {
      res.status(400).type('text/html').send(page('参数错误', '<h2>参数错误</h2><p>appid（CorpID）或 redirect_uri 无效。</p>'))
      return
    }
    const links = [...corp.members.values()]
      .map((m) => {
        const params = new URLSearchParams({
          appid: corp.corpid,
          redirect_uri: q.redirect_uri as string,
          state: q.state ?? '',
          userid: m.userid,
        })
        return `<a class="btn" href="authorize/pick?${escapeHtml(params.toString())}">${escapeHtml(m.name)} <small>(${escapeHtml(m.userid)})</small></a>`
      })
      .join('')
    res
      .type('text/html')
      .send(page(`${corp.name} 授权`, `<h2>${escapeHtml(corp.name)}</h2><p>选择以哪位成员身份继续（沙箱模拟企业微信授权）：</p>${links}`))
  })

  r.get('/connect/oauth2/authorize/pick', (req: Request, res: Response) => {
    const q = req.query as Record<string, string | undefined>
    const corp = q.appid ? ctx.state.corps.get(q.appid) : undefined
    if (!corp || !q.redirect_uri || !q.userid || !corp.members.has(q.userid)) {
      res.status(400).type('text/plain').send('invalid appid, redirect_uri or userid')
      return
    }
    let target: URL
    try {
      target = new URL(q.redirect_uri)
    } catch {
      res.status(400).type('text/plain').send('redirect_uri is not an absolute URL')
      return
    }
    const code = issueOAuthCode(ctx, corp, { userid: q.userid }, ctx.clock.now())
    target.searchParams.set('code', code.code)
    target.searchParams.set('state', q.state ?? '')
    res.redirect(302, target.toString())
  })

  return r
}
