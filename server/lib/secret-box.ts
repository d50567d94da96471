// Encrypts secrets at rest (AES-256-GCM) with a key derived from APP_SECRET_KEY.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto'

const PREFIX = 'v1:'

export class SecretBox {
  private key: Buffer
  private macKey: Buffer
  constructor(appSecretKey: string) {
    this.key = createHash('sha256').update(`clinic-crm:${appSecretKey}`).digest()
    // A separate key: a MAC never shares key material with the cipher.
    this.macKey = createHash('sha256').update(`clinic-crm-mac:${appSecretKey}`).digest()
  }

  /** Hex HMAC-SHA256 of `data` for one purpose (signed cookies, OAuth state, code hashes): purposes never verify each other. */
  mac(purpose: string, data: string): string {
    return createHmac('sha256', this.macKey).update(`${purpose}\n${data}`).digest('hex')
  }

  seal(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')
  }

  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('secret is not sealed with this format')
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64')
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
  }
}

/** What the admin sees of a secret: enough to recognise it, never enough to use it. */
export function maskSecret(plain: string | null | undefined): string {
  if (!plain) return ''
  if (plain.length <= 8) return '*'.repeat(plain.length)
  return `${plain.slice(0, 3)}${'*'.repeat(Math.min(plain.length - 6, 20))}${plain.slice(-3)}`
}
