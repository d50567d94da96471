// Public surface of the WeCom platform client.
export { createWecomClient, createWecomRateLimiter, type WecomClient, type WecomClientOptions } from './client'
export type { CallSpec, TokenSource, WecomCall } from './call'
export type { GetExternalContactOptions } from './external-contact'
export { walkCursor } from './cursor'
export { WecomPaths, allWecomPaths, type WecomDomain, type WecomPath } from './paths'
export * from './types'
