// The printable binding poster: the QR with the org's name and what to do drawn under it, composed on a canvas as a PNG.
export const POSTER_CAPTION = '微信扫码绑定手机号，接收消息提醒'
const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'

const POSTER = { width: 800, pad: 80, qr: 640, nameSize: 44, captionSize: 30, gap: 28 } as const

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image()
    img.onload = () => resolve(img)
    img.onerror = () => reject(new Error('二维码图片加载失败'))
    img.src = src
  })
}

/** Text centred at y, shrunk until it fits between the margins (long org names). */
function centredText(ctx: CanvasRenderingContext2D, text: string, y: number, size: number, weight: string, color: string) {
  let px: number = size
  do {
    ctx.font = `${weight} ${px}px ${FONT}`
    px -= 2
  } while (px > 12 && ctx.measureText(text).width > POSTER.width - 2 * POSTER.pad)
  ctx.fillStyle = color
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  ctx.fillText(text, POSTER.width / 2, y)
}

/** An 800 × 1000 px PNG (the QR itself 640 px), white, for printing at the reception desk. */
export async function bindingPoster(pngDataUrl: string, orgName: string): Promise<Blob> {
  const img = await loadImage(pngDataUrl)
  const nameY = POSTER.pad + POSTER.qr + POSTER.gap
  const captionY = nameY + POSTER.nameSize + POSTER.gap / 2
  const height = captionY + POSTER.captionSize + POSTER.pad
  const canvas = document.createElement('canvas')
  canvas.width = POSTER.width
  canvas.height = height
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('浏览器不支持生成图片，请换用新版 Chrome 或 Edge')
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  // The QR stays sharp when scaled: no smoothing between its modules.
  ctx.imageSmoothingEnabled = false
  ctx.drawImage(img, POSTER.pad, POSTER.pad, POSTER.qr, POSTER.qr)
  centredText(ctx, orgName, nameY, POSTER.nameSize, '600', '#1f2329')
  centredText(ctx, POSTER_CAPTION, captionY, POSTER.captionSize, '400', '#4e5969')
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('图片生成失败'))), 'image/png'))
}
