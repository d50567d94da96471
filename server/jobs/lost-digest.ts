// 09:00 Beijing time: the lost-customer digest (yesterday's count) to each org's chosen staff.
import { runLostDigest } from '../modules/lost-customers/lost-customers.service'
import { defineJob } from './scheduler'

export const lostDigestJob = defineJob({
  name: 'lost-digest',
  title: '流失客户每日汇总',
  schedule: '0 9 * * *',
  run: ({ deps }) => runLostDigest(deps),
})
