// Domain errors: what services, handlers and workers throw; server/trpc maps them to tRPC codes, the queue to retry/permanent.

/** The kinds of refusal a domain can express. Each carries a Chinese message fit to show an admin. */
export type DomainErrorKind = 'not_found' | 'conflict' | 'precondition' | 'invalid_input' | 'forbidden' | 'unauthorized' | 'rate_limited'

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind
  /** Retrying the same work later cannot succeed (the queue sends the job dead at once). */
  readonly permanent: boolean = true

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** The thing asked for does not exist (or is not this tenant's, which must look the same). */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found'
  override name = 'NotFoundError'
}

/** `what` 〈id〉 不存在 — the one NOT_FOUND message shape. */
export function notFound(what: string, id: number | string): never {
  throw new NotFoundError(`${what} ${id} 不存在`)
}

/** The write collides with existing state (a taken name, a concurrent change). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict'
  override name = 'ConflictError'
}

/** The request is fine but the state does not allow it yet (no WeCom config, an expired code…). */
export class PreconditionError extends DomainError {
  readonly kind = 'precondition'
  override name = 'PreconditionError'
  // The missing piece may be supplied later (an admin saves the config): background work waits for it.
  override readonly permanent = false
}

/** Input that passed the schema but is still wrong (unknown members, too many tags…). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid_input'
  override name = 'InvalidInputError'
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden'
  override name = 'ForbiddenError'
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthorized'
  override name = 'UnauthorizedError'
}

/** Too many attempts; `retryAfterSec` says when to come back (sent as Retry-After). */
export class RateLimitedError extends DomainError {
  readonly kind = 'rate_limited'
  override name = 'RateLimitedError'
  override readonly permanent = false

  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(message)
  }
}
