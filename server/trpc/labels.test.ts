// Every procedure, scheduled job and queue kind has a Chinese name in shared/labels.ts; schedules and relative times in words.
import { describe, expect, it } from 'vitest'
import type { Deps } from '../deps'
import { allJobs } from '../jobs'
import { ORG_SYNC_JOB } from '../modules/customers/customers.sync'
import { registerWorkers } from '../workers'
import { appRouter } from './router'
import { JOB_LABELS, MUTATION_LABELS, QUERY_LABELS, QUEUE_KIND_LABELS, formatJobSummary } from '../../shared/labels'
import { describeCron, relativeTime, timeUntil } from '../../shared/time-words'

describe('labels', () => {
  it('names every procedure of the app router, under its kind (mutations are what the audit log records)', () => {
    // At run time the router keeps its procedures flat, by full path.
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    expect(procedures.length).toBeGreaterThan(100)
    const missing = procedures.filter(([path, p]) => !(p._def.type === 'mutation' ? MUTATION_LABELS : QUERY_LABELS)[path])
    expect(missing.map(([path, p]) => `${path} (${p._def.type})`)).toEqual([])
    // No label for a procedure that no longer exists.
    const paths = new Set(procedures.map(([path]) => path))
    expect([...Object.keys(MUTATION_LABELS), ...Object.keys(QUERY_LABELS)].filter((k) => !paths.has(k))).toEqual([])
  })

  it('names every scheduled job and the per-org sync runs', () => {
    const names = [...allJobs().map((j) => j.name), ORG_SYNC_JOB]
    expect(names.filter((n) => !JOB_LABELS[n])).toEqual([])
  })

  it('names every queue kind a worker registers', () => {
    const kinds: string[] = []
    registerWorkers({ queue: { register: (kind: string) => kinds.push(kind) } } as unknown as Deps)
    expect(kinds.length).toBeGreaterThan(3)
    expect(kinds.filter((k) => !QUEUE_KIND_LABELS[k])).toEqual([])
  })

  it('writes a job summary in words', () => {
    expect(formatJobSummary({ orgs: 1, failedOrgs: 0 })).toBe('机构 1 个，失败 0 个')
    expect(formatJobSummary({ durationMs: 2500, resumed: 1 })).toBe('耗时 2.5 秒，断点续传 是')
    expect(formatJobSummary(null)).toBe('')
  })
})

describe('describeCron', () => {
  it('says daily, weekly, monthly, hourly and minute schedules in words', () => {
    expect(describeCron('30 3 * * *')).toBe('每天 03:30')
    expect(describeCron('0 9,18 * * *')).toBe('每天 09:00、18:00')
    expect(describeCron('0 9 * * 1')).toBe('每周一 09:00')
    expect(describeCron('0 9 * * 0')).toBe('每周日 09:00')
    expect(describeCron('30 8 * * 1-5')).toBe('周一至周五 08:30')
    expect(describeCron('0 8 1 * *')).toBe('每月 1 日 08:00')
    expect(describeCron('0 * * * *')).toBe('每小时整点')
    expect(describeCron('15 * * * *')).toBe('每小时第 15 分')
    expect(describeCron('0 */2 * * *')).toBe('每 2 小时')
    expect(describeCron('*/10 * * * *')).toBe('每 10 分钟')
    expect(describeCron('* * * * *')).toBe('每分钟')
    expect(describeCron('0 30 3 * * *')).toBe('每天 03:30')
  })

  it('never shows a raw expression it cannot name', () => {
    expect(describeCron('0 9 * 1 *')).toBe('自定义计划')
    expect(describeCron('nonsense')).toBe('自定义计划')
    expect(describeCron('61 3 * * *')).toBe('自定义计划')
  })

  it('every job’s schedule reads in words', () => {
    expect(allJobs().filter((j) => describeCron(j.schedule) === '自定义计划')).toEqual([])
  })
})

describe('relative times', () => {
  const now = 1_800_000_000_000
  it('reads 刚刚 for a moment ago and for a moment ahead (clock skew), never 即将', () => {
    expect(relativeTime(now - 5_000, now)).toBe('刚刚')
    expect(relativeTime(now + 5_000, now)).toBe('刚刚')
    expect(relativeTime(now - 3 * 60_000, now)).toBe('3 分钟前')
    expect(relativeTime(now + 2 * 3600_000, now)).toBe('2 小时后')
    expect(relativeTime(null, now)).toBe('—')
  })
  it('a time meant to be ahead reads 1 分钟内 when that close', () => {
    expect(timeUntil(now + 20_000, now)).toBe('1 分钟内')
    expect(timeUntil(now + 5 * 60_000, now)).toBe('5 分钟后')
  })
})
