import type { Run } from '../../schema/api/runs'
import { FINISHED_RUN_STATUSES } from '../../schema/tasks/run-request'
import { monotonicMs } from '../agents/messages'
import { type GroupMemory, groupMemory } from '../lib/group-memory'

/** What polling one run saw, times in ms after the request was sent. */
export interface RunWatch {
  status: Run['status'] | 'unknown'
  /** First poll that saw the run ended (`succeeded`, `failed`, …). */
  finishedMs?: number
  /** First poll that saw its `archive`: the output is in R2 and pruned from the log. */
  archivedMs?: number
  archive?: Run['archive']
  agents?: Run['agents']
  polls: number
  pollErrors: number
  firstPollError?: string
  /** The platform's resident memory at its largest total while the run went, sampled every `memoryEveryMs`. */
  peakMemory?: GroupMemory
  timedOut: boolean
}

export interface WatchOptions {
  /** Reads the run as it stands; undefined when the platform does not list it yet. */
  read: () => Promise<Run | undefined>
  runId: string
  /** When the request was sent, monotonic ms. */
  requestedAtMs: number
  pollEveryMs: number
  timeoutMs: number
  /** The platform's process group, for memory samples; none when not given. */
  group?: number
  memoryEveryMs?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls a run until its archive is written (or the timeout), noting when it was first seen
 * ended and first seen archived. Accurate to one poll interval plus one round trip; each
 * poll is one light API call, so the polling itself takes little from the platform's thread.
 */
export const watchRun = async (options: WatchOptions): Promise<RunWatch> => {
  const watch: RunWatch = { status: 'unknown', polls: 0, pollErrors: 0, timedOut: false }
  const deadline = options.requestedAtMs + options.timeoutMs
  let nextMemoryAt = 0
  while (monotonicMs() < deadline) {
    const now = monotonicMs()
    if (options.group !== undefined && now >= nextMemoryAt) {
      nextMemoryAt = now + (options.memoryEveryMs ?? 250)
      const sample = groupMemory(options.group)
      if (!watch.peakMemory || sample.totalMiB > watch.peakMemory.totalMiB) watch.peakMemory = sample
    }
    try {
      const run = await options.read()
      watch.polls += 1
      const seenAt = monotonicMs() - options.requestedAtMs
      if (run && run.id === options.runId) {
        watch.status = run.status
        watch.agents = run.agents
        if (watch.finishedMs === undefined && FINISHED_RUN_STATUSES.includes(run.status))
          watch.finishedMs = seenAt
        if (run.archive) {
          watch.archivedMs = seenAt
          watch.archive = run.archive
          return watch
        }
      }
    } catch (error) {
      watch.pollErrors += 1
      watch.firstPollError ??= error instanceof Error ? error.message : String(error)
    }
    await sleep(options.pollEveryMs)
  }
  watch.timedOut = true
  return watch
}
