// Tenant isolation check: a session of org B can neither read nor change a row of org A.
import { TRPCError } from '@trpc/server'
import { expect } from 'vitest'
import type { Deps } from '../deps'
import { createContextInner } from '../trpc/context'
import { createCaller } from '../trpc/router'
import { createOrgWithUser } from './deps'

export type Caller = ReturnType<typeof createCaller>

export function callerFor(deps: Deps, user: Parameters<typeof createContextInner>[0]['user']): Caller {
  return createCaller(createContextInner({ deps, user }))
}

export interface TenantIsolationSpec {
  /** Creates the row in org A (through A's caller) and returns its id. */
  seed(callerA: Caller, orgA: number): Promise<number | string>
  /** The row's state as stored; must be identical before and after B's attempts. */
  snapshot(id: number | string): Promise<unknown>
  /** Procedures addressing the row directly: each must fail with NOT_FOUND or FORBIDDEN for B. */
  direct: Record<string, (callerB: Caller, id: number | string) => Promise<unknown>>
  /** Procedures returning lists: the row's id must not be among what B gets. */
  lists?: Record<string, (callerB: Caller) => Promise<Array<number | string>>>
}

export async function expectTenantIsolation(deps: Deps, spec: TenantIsolationSpec): Promise<void> {
  const a = await createOrgWithUser(deps, 'org_admin')
  const b = await createOrgWithUser(deps, 'org_admin')
  const id = await spec.seed(callerFor(deps, a.user), a.orgId)
  const before = await spec.snapshot(id)
  expect(before, 'seeded row must exist').toBeTruthy()
  const callerB = callerFor(deps, b.user)
  for (const [name, call] of Object.entries(spec.direct)) {
    const err = await call(callerB, id).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err, `${name}: org B must be refused`).toBeInstanceOf(TRPCError)
    expect(['NOT_FOUND', 'FORBIDDEN'], `${name}: refused with ${(err as TRPCError).code}`).toContain((err as TRPCError).code)
  }
  for (const [name, list] of Object.entries(spec.lists ?? {})) {
    expect(await list(callerB), `${name}: org B must not see the row`).not.toContain(id)
  }
  expect(await spec.snapshot(id), 'row unchanged after org B tried').toEqual(before)
}
