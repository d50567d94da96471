// The outside world on demand, composed from one module per resource: corps, customers, staff, tags, mass messages, faults, logs, official accounts.
import type { SandboxContext } from '../context'
import { corpControl } from './corps'
import { customerControl } from './customers'
import { faultControl } from './faults'
import { groupMsgControl } from './group-msg'
import { logControl } from './logs'
import { oaControl } from './oa'
import { staffControl } from './staff'
import { tagControl } from './tags'

export type Control = ReturnType<typeof createControl>

export function createControl(ctx: SandboxContext, defaults: { seed: 'demo' | 'none' }) {
  return {
    ...corpControl(ctx, defaults),
    ...customerControl(ctx),
    ...tagControl(ctx),
    ...staffControl(ctx),
    ...groupMsgControl(ctx),
    ...faultControl(ctx),
    ...logControl(ctx),
    ...oaControl(ctx),
  }
}
