// Broadcast jobs: start scheduled broadcasts whose time has come (each once across instances), poll results for 3 days.
import { pollDueBroadcasts, startDueBroadcasts } from '../modules/broadcasts/broadcasts.service'
import { runDueRules } from '../modules/broadcast-rules/broadcast-rules.service'
import { defineJob } from './scheduler'

export const startScheduledBroadcastsJob = defineJob({
  name: 'broadcasts-start-due',
  title: '发送到期的定时群发',
  schedule: '* * * * *',
  timeoutMs: 50_000,
  async run({ deps }) {
    return { started: await startDueBroadcasts(deps) }
  },
})

export const pollBroadcastResultsJob = defineJob({
  name: 'broadcasts-poll-results',
  title: '拉取群发发送结果',
  // Every 10 minutes for the 3 days after a broadcast was submitted (admins can also refresh one at once).
  schedule: '*/10 * * * *',
  timeoutMs: 9 * 60_000,
  async run({ deps, log, signal, progress }) {
    return pollDueBroadcasts(deps, { log, signal, progress })
  },
})

export const broadcastRulesJob = defineJob({
  name: 'broadcast-rules',
  title: '自动群发规则',
  // Morning, before the clinics open their chats (Beijing time).
  schedule: '30 9 * * *',
  timeoutMs: 30 * 60_000,
  async run({ deps }) {
    return runDueRules(deps)
  },
})
