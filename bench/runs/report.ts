import type { CpuUse } from '../lib/cpu-meter'
import type { GroupMemory } from '../lib/group-memory'
import { formatTable } from '../lib/table'
import type { NatsPeer, PeerRun } from './nats-peer'
import type { RealScenario } from './real-scenario'
import { type SimulatedRun, type SimulatedScenario, wasRefused } from './simulated-scenario'
import type { SiteStorage } from './site-storage'
import { printedBytes } from './step-output'
import type { StorageScenario } from './storage-scenario'
import type { RunTimeline } from './timeline'

/** A scenario's result, or why it has none: one that threw is reported, and the bench goes on. */
export type Outcome<T> = T | { scenarioFailed: string }
export const failed = <T extends object>(
  outcome: Outcome<T> | undefined,
): outcome is { scenarioFailed: string } => outcome !== undefined && 'scenarioFailed' in outcome

export interface RunsReport {
  simulated?: Outcome<SimulatedScenario>
  real?: Outcome<RealScenario>
  storage?: Outcome<StorageScenario>
  platformMemory: { start?: GroupMemory; end?: GroupMemory }
  nats?: NatsPeer
}

/** The issue's targets. */
export const TARGET_FINISHED_MS = 5_000
export const TARGET_ARCHIVED_MBPS = 20

const s = (ms: number | undefined) => (ms === undefined ? Number.NaN : ms / 1000)
const mb = (bytes: number) => bytes / 1e6
const mib = (bytes: number | undefined) => (bytes === undefined ? Number.NaN : bytes / 1024 / 1024)
const num = (value: number | undefined) => value ?? Number.NaN

const simulatedRuns = (report: RunsReport): SimulatedRun[] =>
  report.simulated && !failed(report.simulated)
    ? report.simulated.runs.filter((run): run is SimulatedRun => !wasRefused(run))
    : []
const peerRuns = (report: RunsReport): PeerRun[] => (report.nats?.measured ? report.nats.runs : [])
const peerName = (run: PeerRun) => (run.mode === 'core' ? 'nats core' : 'jetstream (file, acked)')

/** Request to every client served and done, and the output's rate, for every system side by side. */
export const fanOutTable = (report: RunsReport): string => {
  const rows: (string | number)[][] = []
  for (const run of simulatedRuns(report))
    rows.push([
      `sitewire, simulated agents, ${run.variant}`,
      run.agents.clients,
      mb(run.agents.printedBytes),
      s(run.agents.lastReceivedMs),
      num(run.agents.dispatchPerSecond),
      s(run.agents.lastDoneMs),
      s(run.watch.finishedMs),
      s(run.watch.archivedMs),
      num(run.archivedMBps),
      num(run.watch.peakMemory?.totalMiB),
    ])
  const real = report.real && !failed(report.real) ? report.real : undefined
  if (real)
    rows.push([
      `sitewire, real agents, ${real.script}`,
      real.agents,
      mb(real.printedBytes),
      Number.NaN,
      Number.NaN,
      Number.NaN,
      s(real.watch.finishedMs),
      s(real.watch.archivedMs),
      num(real.archivedMBps),
      num(real.memory.platformPeak?.totalMiB),
    ])
  for (const run of peerRuns(report))
    rows.push([
      `${peerName(run)}, ${run.variant}`,
      run.workers.clients,
      mb(run.workers.printedBytes),
      s(run.workers.lastReceivedMs),
      num(run.workers.dispatchPerSecond),
      s(run.workers.lastDoneMs),
      s(run.allReceivedMs),
      Number.NaN,
      num(run.receivedMBps),
      run.serverMiB,
    ])
  return formatTable(
    [
      'system, run',
      'clients',
      'output MB',
      'all got step s',
      'steps/s',
      'all acked s',
      'all finished s',
      'archived s',
      'output MB/s',
      'peak RSS MiB',
    ],
    rows,
  )
}

/** Where the time went inside the platform, from the site's own log (ms after `run.requested`). */
export const timelineTable = (report: RunsReport): string => {
  const runs: [string, RunTimeline | undefined][] = simulatedRuns(report).map((run) => [
    `simulated, ${run.variant}`,
    run.timeline,
  ])
  if (report.real && !failed(report.real)) runs.push([`real, ${report.real.script}`, report.real.timeline])
  return formatTable(
    [
      'run',
      'run.dispatched',
      'last step.dispatched',
      'first step.started',
      'last step.started',
      'last step.finished',
      'run.finished',
      'run.archived',
      'archive MB',
      'pruned events',
    ],
    runs.map(([name, t]) => [
      name,
      num(t?.dispatchedMs),
      num(t?.lastStepDispatchedMs),
      num(t?.firstStepStartedMs),
      num(t?.lastStepStartedMs),
      num(t?.lastStepFinishedMs),
      num(t?.finishedMs),
      num(t?.archivedMs),
      t?.archived ? mb(t.archived.bytes) : Number.NaN,
      num(t?.archived?.pruned_events),
    ]),
  )
}

const memoryColumns = (memory: GroupMemory | undefined) => {
  const of = (label: string) =>
    memory?.processes.filter((p) => p.label === label).reduce((sum, p) => sum + p.rssMiB, 0) ?? Number.NaN
  return [of('workerd'), of('start script (node)'), of('libSQL server (node)'), num(memory?.totalMiB)]
}

/** The platform's resident memory at each moment that matters. */
export const memoryTable = (report: RunsReport): string => {
  const rows: (string | number)[][] = [['platform started', ...memoryColumns(report.platformMemory.start)]]
  const sim = report.simulated && !failed(report.simulated) ? report.simulated : undefined
  if (sim) {
    rows.push([
      `${sim.agents.toLocaleString('en-US')} simulated agents connected`,
      ...memoryColumns(sim.memoryAfterConnect),
    ])
    for (const run of simulatedRuns(report)) {
      rows.push([`peak during the ${run.variant} run`, ...memoryColumns(run.memory.peak)])
      rows.push([`after the ${run.variant} run`, ...memoryColumns(run.memory.after)])
    }
  }
  if (report.real && !failed(report.real))
    rows.push([`peak during the real agents' run`, ...memoryColumns(report.real.memory.platformPeak)])
  rows.push(['end of the bench', ...memoryColumns(report.platformMemory.end)])
  return formatTable(['moment', 'workerd MiB', 'start script MiB', 'libSQL server MiB', 'total MiB'], rows)
}

const storageRow = (label: string, head: number, storage: SiteStorage | undefined, r2?: number) => [
  label,
  head,
  mib(storage?.fileBytes),
  mib(storage?.walBytes),
  mib(storage?.usedBytes),
  mib(storage?.freeBytes),
  num(storage?.events),
  num(storage?.outputEvents),
  mib(storage?.eventBytes),
  mib(r2),
]

const STORAGE_HEADERS = [
  'site',
  'head_seq',
  'file MiB',
  'WAL MiB',
  'used MiB',
  'free MiB',
  'events',
  'output events',
  'events MiB',
  'R2 MiB',
]

/** The site's SQLite before and after: scenario A's big run, and scenario C's many small ones. */
export const storageTable = (report: RunsReport): string => {
  const rows: (string | number)[][] = []
  for (const run of simulatedRuns(report)) {
    if (!run.storage) continue
    rows.push(
      storageRow(
        `A before the ${run.variant} run`,
        run.headSeq.before,
        run.storage.before,
        run.r2Bytes.before,
      ),
    )
    rows.push(
      storageRow('A after it was archived', run.headSeq.after, run.storage.afterArchive, run.r2Bytes.after),
    )
  }
  if (report.storage && !failed(report.storage))
    for (const point of report.storage.checkpoints)
      rows.push(storageRow(`C after ${point.runs} runs`, point.headSeq, point.storage, point.r2Bytes))
  return formatTable(STORAGE_HEADERS, rows)
}

/** `workerd 0.93, client workers (node) 0.61, …`, busiest first. */
export const describeCpu = (use: CpuUse): string =>
  Object.entries(use.byPart)
    .sort(([, a], [, b]) => b.cores - a.cores)
    .map(([part, { cores }]) => `${part} ${cores.toFixed(2)}`)
    .join(', ')

export const cpuTable = (report: RunsReport): string => {
  const rows: string[][] = simulatedRuns(report).map((run) => [
    `sitewire, simulated, ${run.variant}`,
    run.cpu.wallSeconds.toFixed(1),
    describeCpu(run.cpu),
  ])
  if (report.real && !failed(report.real))
    rows.push(['sitewire, real agents', report.real.cpu.wallSeconds.toFixed(1), describeCpu(report.real.cpu)])
  for (const run of peerRuns(report))
    rows.push([`${peerName(run)}, ${run.variant}`, run.cpu.wallSeconds.toFixed(1), describeCpu(run.cpu)])
  return formatTable(['run', 'wall s', 'CPU cores used, averaged over the run'], rows)
}

export interface Ratio {
  figure: string
  sitewire: number
  peer: string
  value: number
  ratio: number
}

/** Sitewire's figure against the peer's same figure: times (lower is better) and rates (higher is better). */
export const ratios = (report: RunsReport): Ratio[] => {
  const result: Ratio[] = []
  for (const run of simulatedRuns(report)) {
    for (const peer of peerRuns(report).filter((p) => p.variant === run.variant)) {
      if (run.watch.finishedMs !== undefined && peer.allReceivedMs !== undefined)
        result.push({
          figure: `${run.variant}: request → all finished, s (lower is better)`,
          sitewire: run.watch.finishedMs / 1000,
          peer: peerName(peer),
          value: peer.allReceivedMs / 1000,
          ratio: run.watch.finishedMs / peer.allReceivedMs,
        })
      if (run.archivedMBps !== undefined && peer.receivedMBps !== undefined)
        result.push({
          figure: `${run.variant}: output MB/s end to end (higher is better)`,
          sitewire: run.archivedMBps,
          peer: peerName(peer),
          value: peer.receivedMBps,
          ratio: run.archivedMBps / peer.receivedMBps,
        })
    }
  }
  return result
}

export const ratiosTable = (report: RunsReport): string =>
  ratios(report).length === 0
    ? 'no ratio: scenario A or the peer has no figures (see what failed)'
    : formatTable(
        ['figure', 'sitewire', 'peer', 'peer figure', 'sitewire ÷ peer'],
        ratios(report).map((r) => [r.figure, r.sitewire, r.peer, r.value, `${r.ratio.toFixed(2)}×`]),
      )

export interface TargetCheck {
  target: string
  measured: string
  met: boolean | undefined
}

export const checkTargets = (report: RunsReport): TargetCheck[] => {
  const sim = report.simulated && !failed(report.simulated) ? report.simulated : undefined
  const refusal = sim?.runs.find(wasRefused)
  const run = (variant: SimulatedRun['variant']) => simulatedRuns(report).find((r) => r.variant === variant)
  const bare = run('no output')
  const output = run('output')
  const outputMB = mb(
    output?.agents.printedBytes ??
      sim?.runs
        .filter((r) => r.variant === 'output')
        .map((r) => printedBytes(r.output) * (sim?.agents ?? 0))[0] ??
      0,
  )
  // A refused run misses its target: the platform could not take it at all.
  const refusedText = refusal
    ? `run refused (HTTP ${/answered (\d+)/.exec(refusal.refused)?.[1] ?? '?'}${refusal.platformError ? `: ${refusal.platformError}` : ''})`
    : 'not measured'
  const judge = (value: number | undefined, met: (value: number) => boolean) =>
    value === undefined ? (refusal ? false : undefined) : met(value)
  const agents = (sim?.agents ?? 0).toLocaleString('en-US')
  const real = report.real && !failed(report.real) ? report.real : undefined
  return [
    {
      target: `${agents} agents finished in under 5 s (no output)`,
      measured:
        bare?.watch.finishedMs !== undefined
          ? `${s(bare.watch.finishedMs).toFixed(2)} s (every step.finished acked after ${s(bare.agents.lastDoneMs).toFixed(2)} s)`
          : refusedText,
      met: judge(bare?.watch.finishedMs, (ms) => ms < TARGET_FINISHED_MS),
    },
    {
      target: `${agents} agents finished in under 5 s (${outputMB.toFixed(0)} MB of output)`,
      measured:
        output?.watch.finishedMs !== undefined ? `${s(output.watch.finishedMs).toFixed(2)} s` : refusedText,
      met: judge(output?.watch.finishedMs, (ms) => ms < TARGET_FINISHED_MS),
    },
    {
      target: `≥ 20 MB/s of output archived (${agents} simulated agents)`,
      measured:
        output?.archivedMBps !== undefined
          ? `${output.archivedMBps.toFixed(1)} MB/s (${outputMB.toFixed(0)} MB archived ${s(output.watch.archivedMs).toFixed(2)} s after the request)`
          : refusedText,
      met: judge(output?.archivedMBps, (rate) => rate >= TARGET_ARCHIVED_MBPS),
    },
    ...(real?.archivedMBps !== undefined
      ? [
          {
            target: `≥ 20 MB/s of output archived (${real.agents} real agents)`,
            measured: `${real.archivedMBps.toFixed(1)} MB/s (${mb(real.printedBytes).toFixed(1)} MB archived ${s(real.watch.archivedMs).toFixed(2)} s after the request)`,
            met: real.archivedMBps >= TARGET_ARCHIVED_MBPS,
          },
        ]
      : []),
  ]
}

export const targetsTable = (report: RunsReport): string =>
  formatTable(
    ['target', 'measured', 'met'],
    checkTargets(report).map((t) => [
      t.target,
      t.measured,
      t.met === undefined ? 'not measured' : t.met ? 'yes' : 'NO',
    ]),
  )

/** Lines about scenarios that failed or were refused, so the tables' gaps are explained. */
export const problems = (report: RunsReport): string[] => {
  const lines: string[] = []
  for (const [name, outcome] of [
    ['A (simulated agents)', report.simulated],
    ['B (real agents)', report.real],
    ['C (storage)', report.storage],
  ] as const)
    if (failed(outcome)) lines.push(`scenario ${name} failed: ${outcome.scenarioFailed}`)
  if (report.simulated && !failed(report.simulated))
    for (const run of report.simulated.runs.filter(wasRefused))
      lines.push(
        `scenario A, ${run.variant} run: ${run.refused.replace(/: \{.*$/s, '')}${run.platformError ? `; the platform logged: ${run.platformError}` : ''}`,
      )
  if (report.nats && !report.nats.measured) lines.push(report.nats.reason)
  const storage = report.storage && !failed(report.storage) ? report.storage : undefined
  if (storage?.failedRuns)
    lines.push(`scenario C: ${storage.failedRuns} of ${storage.runs} runs failed: ${storage.firstError}`)
  return lines
}

/** Everything, as the console shows it. */
export const formatReport = (report: RunsReport): string => {
  const storage = report.storage && !failed(report.storage) ? report.storage : undefined
  return [
    'Fan-out and fan-in: one step (or job) to every client, every client answers (times from the request):',
    fanOutTable(report),
    '',
    "Inside the platform, from the site log (ms after run.requested; step.* times are the agents' clocks):",
    timelineTable(report),
    '',
    'Sitewire ÷ peer:',
    ratiosTable(report),
    '',
    'Platform resident memory (every process of `npm start`):',
    memoryTable(report),
    '',
    "The site's storage (its Durable Object's SQLite; R2 holds the archives):",
    storageTable(report),
    ...(storage
      ? [
          `C: ${storage.completed} of ${storage.runs} runs archived in ${storage.seconds.toFixed(1)} s; request → archived ` +
            `p50 ${storage.perRunMs.p50.toFixed(0)} ms, p99 ${storage.perRunMs.p99.toFixed(0)} ms; they printed ${mb(storage.printedBytes).toFixed(1)} MB in all`,
        ]
      : []),
    '',
    'Where the CPU went:',
    cpuTable(report),
    '',
    'Targets:',
    targetsTable(report),
    ...problems(report).map((line) => `! ${line}`),
  ].join('\n')
}
