import type { CpuUse } from '../lib/cpu-meter'
import type { GroupMemory } from '../lib/group-memory'
import { formatTable } from '../lib/table'
import type { AppendRow } from './append-scenarios'
import type { Ratio, TargetCheck } from './comparison'
import type { JetStreamOutcome } from './peers'
import type { LagResult } from './projection-lag'
import type { SitewireFigures } from './sitewire-phases'

export interface ReportInput {
  machine: { nproc: number; cpuModel: string; memoryGiB: number; node: string; loadAverage1m: number }
  sitewire: SitewireFigures
  sqlite: AppendRow[]
  jetstream: JetStreamOutcome
  ratios: Ratio[]
  targets: TargetCheck[]
}

/** Where CPU went, busiest first, in cores: "workerd 1.10, bench client (node) 0.52". */
const cpuSplit = (cpu: CpuUse) =>
  Object.entries(cpu.byPart)
    .sort(([, a], [, b]) => b.cores - a.cores)
    .filter(([, use]) => use.cores >= 0.02)
    .map(([part, use]) => `${part} ${use.cores.toFixed(2)}`)
    .join(', ')

const appendTable = (rows: readonly AppendRow[]) =>
  formatTable(
    [
      'system',
      'batch',
      'conc',
      'events/s',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'CPU cores used',
    ],
    rows.map((r) => [
      r.variant ? `${r.system} (${r.variant})` : r.system,
      r.batchSize,
      r.concurrency,
      r.result.eventsPerSecond,
      r.result.requestsPerSecond,
      r.result.latencyMs.p50,
      r.result.latencyMs.p99,
      r.result.latencyMs.max,
      r.result.errors,
      cpuSplit(r.cpu),
    ]),
  )

const memoryTable = (memory: GroupMemory) =>
  formatTable(
    ['pid', 'process', 'RSS MiB'],
    [...memory.processes.map((p) => [String(p.pid), p.label, p.rssMiB]), ['', 'total', memory.totalMiB]],
  )

const lagTable = (lag: readonly LagResult[]) =>
  formatTable(
    [
      'sent as',
      'offered ev/s',
      'acked ev/s',
      'ack p50 ms',
      'ack p99 ms',
      'lag p50 ms',
      'lag p99 ms',
      'lag max ms',
      'not projected',
      'errors',
    ],
    lag.map((l) => [
      l.eventsPerRequest === 1 ? 'single events' : `batches of ${l.eventsPerRequest}`,
      l.offeredEventsPerSecond,
      l.ackedEventsPerSecond,
      l.ackLatencyMs.p50,
      l.ackLatencyMs.p99,
      l.lagMs.p50,
      l.lagMs.p99,
      l.lagMs.max,
      l.neverProjected,
      l.errors,
    ]),
  )

const ratio = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}×`)

/** The human-readable report: every figure that goes into the JSON, as tables. */
export const formatReport = (input: ReportInput): string => {
  const { sitewire, jetstream } = input
  const { lag, scale } = sitewire
  const sections = [
    `Machine: ${input.machine.nproc} cores, ${input.machine.cpuModel}, ${input.machine.memoryGiB} GiB, Node ${input.machine.node}; load average at start ${input.machine.loadAverage1m}`,
    `\nAcknowledged appends (closed loop, fixed duration; latency per request)\n${appendTable([
      ...sitewire.append,
      ...input.sqlite,
      ...(jetstream.measured ? jetstream.rows : []),
    ])}`,
    jetstream.measured ? `JetStream: ${jetstream.version}` : `JetStream: ${jetstream.reason}`,
    `\nSitewire projection backlog after each append row (drained with no appends competing)\n${formatTable(
      ['batch', 'conc', 'backlog events', 'drain s', 'projected events/s'],
      sitewire.append.map((r) => [
        r.batchSize,
        r.concurrency,
        r.drain.backlog,
        r.drain.seconds,
        r.drain.eventsPerSecond,
      ]),
    )}`,
    `\nRatios (Sitewire events/s ÷ peer events/s; SQLite is synchronous=NORMAL at concurrency 1)\n${formatTable(
      ['batch', 'conc', 'sitewire events/s', 'vs SQLite limit', 'vs JetStream'],
      input.ratios.map((r) => [
        r.batchSize,
        r.concurrency,
        r.sitewireEventsPerSecond,
        ratio(r.vsSqlite),
        ratio(r.vsJetStream),
      ]),
    )}`,
    `\nProjection lag (acknowledged → projected_seq covers it; status polled every ${lag[0]?.pollMs} ms)\n${lagTable(lag)}`,
    `\nScale: ${scale.sitesCreated} sites created with ${scale.eventsAppended} events in ${scale.seconds.toFixed(1)} s ` +
      `(${scale.sitesPerSecond.toFixed(1)} sites/s, ${Math.round(scale.eventsPerSecond)} events/s; per site p50 ` +
      `${scale.perSiteMs.p50.toFixed(0)} ms, p99 ${scale.perSiteMs.p99.toFixed(0)} ms; ${scale.errors} errors` +
      `${scale.stoppedByDeadline ? '; STOPPED AT THE DEADLINE' : ''})\n` +
      `All projected ${scale.projection.sitesBehind === 0 ? `after a further ${scale.projection.seconds.toFixed(1)} s` : `: NO, ${scale.projection.sitesBehind} sites behind after ${scale.projection.seconds.toFixed(1)} s`}`,
    `\nPlatform resident memory before the scale phase: ${scale.memoryBefore.totalMiB} MiB; after it:\n${memoryTable(scale.memoryAfter)}`,
    `\nTargets\n${formatTable(
      ['target', 'measured', 'met'],
      input.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : 'NO']),
    )}`,
  ]
  return sections.join('\n')
}
