// WeChat's JS-SDK on the H5 page: loaded only inside WeChat, configured with a signature for exactly this page, used to close the page.
import { api } from '../api/trpc'

interface Wx {
  config(c: { debug: boolean; appId: string; timestamp: number; nonceStr: string; signature: string; jsApiList: string[] }): void
  ready(fn: () => void): void
  error(fn: (res: unknown) => void): void
  closeWindow(): void
}
declare global {
  interface Window {
    wx?: Wx
  }
}

const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js'

export const inWechat = () => /MicroMessenger/i.test(navigator.userAgent)

let ready: Promise<Wx | null> | undefined

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script')
    s.src = src
    s.onload = () => resolve()
    s.onerror = () => reject(new Error('JS-SDK 加载失败'))
    document.head.appendChild(s)
  })
}

/** The configured SDK, or null outside WeChat or when it cannot be set up (the page works without it). */
export function wechatSdk(): Promise<Wx | null> {
  ready ??= (async () => {
    if (!inWechat()) return null
    try {
      await loadScript(SDK_URL)
      const wx = window.wx
      if (!wx) return null
      const cfg = await api.h5.jsConfig.query({ url: location.href.split('#')[0]! })
      return await new Promise<Wx | null>((resolve) => {
        wx.ready(() => resolve(wx))
        wx.error(() => resolve(null))
        wx.config({ debug: false, ...cfg, jsApiList: ['closeWindow'] })
      })
    } catch {
      return null
    }
  })()
  return ready
}

/** After a successful bind: back to the chat inside WeChat; elsewhere the page simply stays. */
export async function closePage(): Promise<void> {
  const wx = await wechatSdk()
  wx?.closeWindow()
}
