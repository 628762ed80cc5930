import type { CpuUse } from '../lib/cpu-meter'
import type { describeMachine } from '../lib/machine'
import type { sourceRevision } from '../lib/source-revision'
import { type LatencySummary, round } from '../lib/stats'
import { formatTable } from '../lib/table'
import type { AppendsResult, CreatesResult } from './creates'
import type { DriftResult } from './drift'
import type { ResourcesPlan } from './plan'

/** stolostron/maestro's published performance test: resource creates per second on average. Quoted, not run here. */
export const MAESTRO_CREATES_PER_SECOND = 54
/** The goal, per site, with the status round trip. */
export const GOAL_PER_SECOND = 1_000

const latency = (summary: LatencySummary) => [round(summary.p50), round(summary.p99), round(summary.max)]

const cpuRows = (creates: CpuUse, appends: CpuUse) => {
  const parts = [...new Set([...Object.keys(creates.byPart), ...Object.keys(appends.byPart)])]
  return parts.map((part) => [
    part,
    round(creates.byPart[part]?.cores ?? 0),
    round(appends.byPart[part]?.cores ?? 0),
  ])
}

/** Prints the run's figures: rates and latencies side by side with the peer, CPU by part, drift repair, the goal. */
export const printReport = (run: {
  source: ReturnType<typeof sourceRevision>
  machine: ReturnType<typeof describeMachine>
  plan: ResourcesPlan
  creates: CreatesResult
  createsCpu: CpuUse
  appends: AppendsResult
  appendsCpu: CpuUse
  drift: DriftResult
}) => {
  const { source, machine, plan, creates, appends, drift } = run
  console.log(`Source: ${source.commit}`)
  console.log(`Machine: ${machine.nproc} × ${machine.cpuModel}, load ${machine.loadAverage1m} at the start`)
  console.log(
    `${creates.attempted.toLocaleString('en-US')} of ${plan.resources.toLocaleString('en-US')} planned File resource creates sent within ${plan.createsTimeoutMs / 1000} s over ${plan.simAgents} simulated and ${plan.realAgents} real agents, ${plan.concurrency} creates in flight`,
  )
  console.log(
    formatTable(
      ['measured', 'done', 'errors', 'per s', 'p50 ms', 'p99 ms', 'max ms'],
      [
        [
          'resource create → 201',
          creates.created,
          creates.errors,
          round(creates.answeredPerSecond),
          ...latency(creates.httpMs),
        ],
        [
          'resource create → Applied=True on the stream',
          creates.applied,
          creates.created - creates.applied,
          round(creates.appliedPerSecond),
          ...latency(creates.appliedMs),
        ],
        [
          'plain CloudEvent append → 201 (peer)',
          appends.appended,
          appends.errors,
          round(appends.appendsPerSecond),
          ...latency(appends.httpMs),
        ],
        [`maestro, published (not run here)`, '-', '-', MAESTRO_CREATES_PER_SECOND, '-', '-', '-'],
      ],
    ),
  )
  if (creates.firstError) console.log(`first create error: ${creates.firstError}`)
  if (appends.firstError) console.log(`first append error: ${appends.firstError}`)
  console.log(formatTable(['CPU cores used', 'creates', 'appends'], cpuRows(run.createsCpu, run.appendsCpu)))
  console.log(
    formatTable(
      [
        `drift on a real agent (--resources-interval ${plan.resourcesIntervalSeconds})`,
        'samples',
        'p50 ms',
        'max ms',
      ],
      [
        [
          'write by hand → content back',
          drift.repairedMs.count,
          round(drift.repairedMs.p50),
          round(drift.repairedMs.max),
        ],
        [
          'write by hand → DriftRepaired on the stream',
          drift.reportedMs.count,
          round(drift.reportedMs.p50),
          round(drift.reportedMs.max),
        ],
      ],
    ),
  )
  if (drift.missed) console.log(`drift samples missed: ${drift.missed}`)
  const met =
    creates.applied === creates.created && creates.errors === 0 && creates.appliedPerSecond >= GOAL_PER_SECOND
  console.log(
    `goal ≥ ${GOAL_PER_SECOND.toLocaleString('en-US')} creates/s with status round trip: ${met ? 'met' : 'not met'} (${round(creates.appliedPerSecond)}/s; ${round(creates.appliedPerSecond / MAESTRO_CREATES_PER_SECOND)}× maestro's published ${MAESTRO_CREATES_PER_SECOND}/s; ${round(creates.appliedPerSecond / appends.appendsPerSecond)}× plain appends)`,
  )
}
