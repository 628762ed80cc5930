import { type LoadResult, runClosedLoop } from '../lib/closed-loop'
import { type CpuUse, startCpuMeter } from '../lib/cpu-meter'

/** Something that stores events and acknowledges them: the platform or one of its peers. */
export interface AppendTarget {
  system: string
  /** How this target was configured, when that matters to its figures. */
  variant?: string
  appendOne(): Promise<unknown>
  appendBatch(size: number): Promise<unknown>
  /** Processes whose CPU time counts against this target. */
  watch: { groups?: number[]; pids?: number[] }
}

export interface AppendScenario {
  batchSize: number
  concurrency: number
}

export interface AppendRow extends AppendScenario {
  system: string
  variant?: string
  result: LoadResult
  cpu: CpuUse
}

export interface PhaseTiming {
  warmupMs: number
  durationMs: number
}

/** Single events and batches of 100, each alone and 32 at a time: the rows every target is compared on. */
export const APPEND_SCENARIOS: AppendScenario[] = [
  { batchSize: 1, concurrency: 1 },
  { batchSize: 1, concurrency: 32 },
  { batchSize: 100, concurrency: 1 },
  { batchSize: 100, concurrency: 32 },
]

/** Runs each scenario against a target for a fixed time; `settle` runs between scenarios, unmeasured. */
export const runAppendScenarios = async (
  target: AppendTarget,
  scenarios: readonly AppendScenario[],
  timing: PhaseTiming,
  settle?: (row: AppendRow) => Promise<void>,
): Promise<AppendRow[]> => {
  const rows: AppendRow[] = []
  for (const scenario of scenarios) {
    const stopMeter = startCpuMeter(target.watch)
    const result = await runClosedLoop({
      concurrency: scenario.concurrency,
      warmupMs: timing.warmupMs,
      durationMs: timing.durationMs,
      eventsPerOp: scenario.batchSize,
      op: scenario.batchSize === 1 ? () => target.appendOne() : () => target.appendBatch(scenario.batchSize),
    })
    const row: AppendRow = {
      system: target.system,
      ...(target.variant ? { variant: target.variant } : {}),
      ...scenario,
      result,
      cpu: stopMeter(),
    }
    rows.push(row)
    console.error(`  ${describeRow(row)}`)
    await settle?.(row)
  }
  return rows
}

/** One line of progress, so a long run shows it is alive. */
export const describeRow = (row: AppendRow) =>
  `${row.system}${row.variant ? ` (${row.variant})` : ''} batch=${row.batchSize} c=${row.concurrency}: ` +
  `${Math.round(row.result.eventsPerSecond)} events/s, p50 ${row.result.latencyMs.p50.toFixed(2)} ms, ` +
  `p99 ${row.result.latencyMs.p99.toFixed(2)} ms${row.result.errors ? `, ${row.result.errors} errors` : ''}`
