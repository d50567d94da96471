// Scheduled jobs: definitions with their last run, the paged run history, and manual runs.
import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { trpc, type RouterOutputs } from '../trpc'
import { optionalText, usePagedList } from '../utils/paged-list'
import { notifyError } from '../utils/notify'

export type JobRow = RouterOutputs['jobs']['list'][number]
export type JobRunRow = RouterOutputs['jobs']['runs']['items'][number]

export const useJobsStore = defineStore('jobs', () => {
  const runs = usePagedList(
    (paging, f) => trpc.jobs.runs.query({ ...paging, jobName: optionalText(f.jobName) }),
    () => ({ jobName: '' }),
  )
  const jobs = ref<JobRow[]>([])
  const jobsLoading = ref(false)
  /** Names of jobs whose "立即执行" request is in flight. */
  const starting = ref<string[]>([])

  /** While anything runs the page polls, so progress bars move. */
  const anyRunning = computed(
    () => jobs.value.some((j) => j.running || j.lastRun?.status === 'running') || runs.items.value.some((r) => r.status === 'running'),
  )

  async function loadJobs(opts: { silent?: boolean } = {}): Promise<void> {
    if (!opts.silent) jobsLoading.value = true
    try {
      jobs.value = await trpc.jobs.list.query()
    } catch (err) {
      notifyError(err)
    } finally {
      jobsLoading.value = false
    }
  }

  function refresh(opts: { silent?: boolean } = {}): Promise<unknown> {
    return Promise.all([loadJobs(opts), runs.load(opts)])
  }

  async function runNow(name: string): Promise<number> {
    starting.value = [...starting.value, name]
    try {
      const { runId } = await trpc.jobs.runNow.mutate({ name })
      await refresh({ silent: true })
      return runId
    } finally {
      starting.value = starting.value.filter((n) => n !== name)
    }
  }

  return { jobs, jobsLoading, starting, anyRunning, runs, loadJobs, refresh, runNow }
})
