// What the sandbox saw: call counters and the logs of side effects (welcome messages, tag marks, callbacks, …).
import type { z } from 'zod'
import type { SandboxContext } from '../context'
import { parseInput } from './common'
import { logsInput } from './schemas'

export function logControl(ctx: SandboxContext) {
  return {
    getCounters() {
      return ctx.counters.snapshot()
    },

    resetCounters() {
      ctx.counters.reset()
      return ctx.counters.snapshot()
    },

    logs(input: z.input<typeof logsInput>) {
      const { kind, corpid, limit } = parseInput(logsInput, input)
      const logs = ctx.state.logs
      const source = {
        welcome: logs.welcome,
        mark_tag: logs.markTag,
        remark: logs.remark,
        app_messages: logs.appMessages,
        callbacks: logs.callbacks,
        temp_chat: logs.tempChat,
      }[kind]
      return { kind, items: source.list({ corpid, limit }) as unknown[] }
    },

    clearLogs() {
      ctx.state.logs.clear()
      return { cleared: true }
    },
  }
}
