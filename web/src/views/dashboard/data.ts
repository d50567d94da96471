// 概览: chart options built from dashboard.overview, the labels of its panels, and the links from a chart to the list behind it.
import type { Router } from 'vue-router'
import type { ChartOption } from '../../components/echart.vue'
import type { DashboardOverview } from '../../stores/dashboard'
import { useCustomersStore } from '../../stores/customers'
import { WELCOME_OUTCOMES, WELCOME_OUTCOME_LABELS } from '../../../../shared/schemas/dashboard'

export const DAY_OPTIONS = [
  { value: 7, label: '近7天' },
  { value: 30, label: '近30天' },
  { value: 90, label: '近90天' },
] as const

export const SYNC_STATUS_LABELS: Record<string, { text: string; type: 'success' | 'danger' | 'primary' }> = {
  running: { text: '同步中', type: 'primary' },
  succeeded: { text: '成功', type: 'success' },
  failed: { text: '失败', type: 'danger' },
}
export const SYNC_TRIGGER_LABELS: Record<string, string> = { scheduled: '定时同步', manual: '手动同步' }

/** The series of the daily chart, in the order the click handler reads them. */
export const DAILY_SERIES = ['新增客户', '流失客户', '净增'] as const

export function dailyOption(o: DashboardOverview): ChartOption {
  return {
    // Drawn at once: the page opens every morning, and a screenshot shows the whole line.
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [...DAILY_SERIES] },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: o.daily.map((d) => d.day.slice(5)), boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: DAILY_SERIES[0], type: 'line', data: o.daily.map((d) => d.added), itemStyle: { color: '#67c23a' } },
      { name: DAILY_SERIES[1], type: 'line', data: o.daily.map((d) => d.lost), itemStyle: { color: '#f56c6c' } },
      { name: DAILY_SERIES[2], type: 'line', data: o.daily.map((d) => d.net), itemStyle: { color: '#409eff' } },
    ],
  }
}

export function welcomeOption(o: DashboardOverview): ChartOption {
  const data = WELCOME_OUTCOMES.filter((k) => o.welcome[k] > 0).map((k) => ({ name: WELCOME_OUTCOME_LABELS[k], value: o.welcome[k] }))
  return {
    tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['40%', '68%'], center: ['50%', '44%'], data, label: { formatter: '{b} {c}' } }],
  }
}

export const welcomeTotal = (o: DashboardOverview) => WELCOME_OUTCOMES.reduce((s, k) => s + o.welcome[k], 0)

export const percent = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`)

export type CustomerLink = { channel: string } | { followUserid: string } | { addedDay: number }

/**
 * Opens 客户 with only the given filter set, page 1: the list reads the shared store's filters when it mounts, and the
 * query string keeps the link shareable.
 */
export function openCustomers(router: Router, link: CustomerLink): void {
  const customers = useCustomersStore()
  Object.assign(customers.filters, {
    q: '',
    channel: 'channel' in link ? link.channel : '',
    tagIds: [],
    tagMode: 'any',
    followUserid: 'followUserid' in link ? link.followUserid : '',
    // The store ends the range at the last millisecond of the end day.
    added: 'addedDay' in link ? [link.addedDay, link.addedDay] : null,
    status: '',
    gender: '',
  })
  customers.page = 1
  const query =
    'channel' in link
      ? { channel: link.channel }
      : 'followUserid' in link
        ? { staff: link.followUserid }
        : { addedFrom: String(link.addedDay) }
  void router.push({ path: '/customers', query })
}
