// 09:00 Beijing time: the daily notification rules (余额不足 while still below, 账户到期 within the warning window).
import { runDailyRules } from '../modules/notifications/scene-daily'
import { defineJob } from './scheduler'

export const notifyDailyJob = defineJob({
  name: 'notify-daily',
  title: '每日通知（余额不足、账户到期）',
  schedule: '0 9 * * *',
  run: ({ deps }) => runDailyRules(deps),
})
