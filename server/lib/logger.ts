// pino logger with secrets redacted wherever they appear in a logged object.
import { pino, type Logger } from 'pino'

export type { Logger }

const SECRET_KEYS = [
  'password',
  'secret',
  'corpsecret',
  'corp_secret',
  'appSecret',
  'app_secret',
  'encodingAesKey',
  'encoding_aes_key',
  'token',
  'access_token',
  'cookie',
  'authorization',
  'sessionToken',
]

export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), 'req.headers.cookie', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  })
}

export const silentLogger: Logger = pino({ level: 'silent' })
