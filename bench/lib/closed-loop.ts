import { type LatencySummary, summarize } from './stats'

/** What one fixed-duration load phase achieved. */
export interface LoadResult {
  concurrency: number
  seconds: number
  requests: number
  events: number
  eventsPerSecond: number
  requestsPerSecond: number
  latencyMs: LatencySummary
  errors: number
  firstError?: string
}

export interface ClosedLoopOptions {
  concurrency: number
  warmupMs: number
  durationMs: number
  /** Events carried by one operation (1 for a single append, 100 for a batch). */
  eventsPerOp: number
  op: () => Promise<unknown>
}

/**
 * Runs `concurrency` workers that each start the next operation as soon as the last one is
 * answered. Only operations started after the warm-up and answered before the end count, so
 * the rate is what the system sustains, not a burst.
 */
export const runClosedLoop = async (options: ClosedLoopOptions): Promise<LoadResult> => {
  const start = performance.now()
  const measureFrom = start + options.warmupMs
  const end = measureFrom + options.durationMs
  const latencies: number[] = []
  let errors = 0
  let firstError: string | undefined

  const worker = async () => {
    while (performance.now() < end) {
      const began = performance.now()
      try {
        await options.op()
      } catch (error) {
        errors += 1
        firstError ??= (error as Error).message
        // A failing target must not turn the loop into a busy spin.
        await new Promise((resolve) => setTimeout(resolve, 10))
        continue
      }
      const answered = performance.now()
      if (began >= measureFrom && answered <= end) latencies.push(answered - began)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))

  const seconds = options.durationMs / 1000
  return {
    concurrency: options.concurrency,
    seconds,
    requests: latencies.length,
    events: latencies.length * options.eventsPerOp,
    eventsPerSecond: (latencies.length * options.eventsPerOp) / seconds,
    requestsPerSecond: latencies.length / seconds,
    latencyMs: summarize(latencies),
    errors,
    ...(firstError ? { firstError } : {}),
  }
}
