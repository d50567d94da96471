// Things going wrong on purpose: fault rules and token invalidation.
import type { z } from 'zod'
import type { SandboxContext } from '../context'
import { parseInput } from './common'
import { faultsInput, invalidateInput } from './schemas'

export function faultControl(ctx: SandboxContext) {
  return {
    getFaults() {
      return { rules: ctx.faults.list() }
    },

    setFaults(input: z.input<typeof faultsInput>) {
      const req = parseInput(faultsInput, input)
      ctx.faults.set(req.rules, req.seed)
      return { rules: ctx.faults.list() }
    },

    clearFaults() {
      ctx.faults.clear()
      return { rules: [] }
    },

    invalidateTokens(input?: z.input<typeof invalidateInput>) {
      const { corpid } = parseInput(invalidateInput, input)
      const invalidated = ctx.state.invalidateTokens(corpid)
      ctx.changed()
      return { invalidated }
    },
  }
}
