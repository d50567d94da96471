// Password hashing: Argon2id (OWASP parameters) for new hashes; older scrypt hashes still verify and are flagged for rehash.
import { scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2'

/** OWASP Password Storage Cheat Sheet, first Argon2id option: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS: Options = {
  // Algorithm is an ambient const enum, which isolatedModules cannot read; 2 is Argon2id.
  algorithm: 2 as Algorithm,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) {
    try {
      return await verify(stored, password)
    } catch {
      return false
    }
  }
  return verifyScrypt(password, stored)
}

/** A stored hash that is not Argon2id with today's parameters: rewrite it after the next successful login. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true
  try {
    const o = parseOptions(stored)
    return (
      o.memoryCost !== ARGON2_OPTIONS.memoryCost || o.timeCost !== ARGON2_OPTIONS.timeCost || o.parallelism !== ARGON2_OPTIONS.parallelism
    )
  } catch {
    return true
  }
}

/**
 * An Argon2id hash (same parameters) of a random password nobody knows: verified for unknown usernames so that a
 * miss costs the same time as a wrong password for a real account.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$zMPEIYCjFJK87sCiVIPplw$vFSpcGZ+t0ey8QVJTAkpjJUdGvHRliDvF8xOWelBIKk'

const scrypt = (pw: string, salt: Buffer, len: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))))

/** The format written before Argon2: scrypt$N$r$p$salt$key (base64). */
async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, keyB64] = stored.split('$')
  if (scheme !== 'scrypt' || !keyB64) return false
  const expected = Buffer.from(keyB64, 'base64')
  const key = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}
