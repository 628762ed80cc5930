import { join } from 'node:path'
import type { Run, RunDetail } from '../../schema/api/runs'
import { shares } from '../agents/client-pool'
import { monotonicMs } from '../agents/messages'
import { type PhaseSummary, summarizePhase } from '../agents/phase'
import type { CpuUse } from '../lib/cpu-meter'
import { ForkPool } from '../lib/fork-pool'
import { type GroupMemory, groupMemory } from '../lib/group-memory'
import { meterCpu } from './cpu'
import { type FanOut, fanOut, mbPerSecond } from './fan-out'
import type { PhaseResult, RunReceipts, RunsCommand, SiteTarget } from './messages'
import type { RunsPlan } from './plan'
import { createSite, type Platform } from './platform'
import { type RunWatch, watchRun } from './run-watch'
import { directoryBytes, measureSiteStorage, r2Dir, type SiteStorage } from './site-storage'
import { equivalentScript, type OutputPlan, printedBytes } from './step-output'
import { type RunTimeline, readTimeline } from './timeline'

/** One run of the one-step task on every simulated agent. */
export interface SimulatedRun {
  variant: 'no output' | 'output'
  output: OutputPlan
  runId: string
  /** The POST's own answer time, ms. */
  requestAnsweredMs: number
  agents: FanOut
  watch: RunWatch
  timeline?: RunTimeline
  /** Printed bytes ÷ (request → archive seen): output ingested end to end, archive written. */
  archivedMBps?: number
  /** Printed bytes ÷ (request → the last `step.finished` acknowledged): ingested into the log alone. */
  ingestedMBps?: number
  headSeq: { before: number; after: number }
  storage?: { before: SiteStorage; afterArchive: SiteStorage }
  /** The local R2 bucket's bytes before the run and once it was archived. */
  r2Bytes: { before: number; after: number }
  memory: { before: GroupMemory; peak?: GroupMemory; after: GroupMemory }
  cpu: CpuUse
  /** The run's detail as `GET …/runs/{id}` answers it: what the steps stored, and how long that call took. */
  detail?: { ms: number; bytes: number; lines: number; succeeded: number; responseBytes: number }
}

/** A run the platform refused or failed to take: what it answered, and the error it logged. */
export interface RefusedRun {
  variant: SimulatedRun['variant']
  output: OutputPlan
  agents: number
  refused: string
  /** The `error` of the platform's last error log line: the cause a 500 answer does not say. */
  platformError?: string
}

export type SimulatedOutcome = SimulatedRun | RefusedRun

export const wasRefused = (run: SimulatedOutcome): run is RefusedRun => 'refused' in run

export interface SimulatedScenario {
  agents: number
  enrol: PhaseSummary
  connect: PhaseSummary
  memoryAfterConnect: GroupMemory
  runs: SimulatedOutcome[]
}

const sum = (parts: { ok: number }[]) => parts.reduce((total, p) => total + p.ok, 0)

/**
 * Scenario A: `plan.agents` simulated agents enrol and connect to one site; one task with one
 * script step is run on all of them at once (parallel, concurrency = agents), first with no
 * output (the pure fan-out and fan-in), then with `plan.lines` lines each.
 */
export const measureSimulated = async (platform: Platform, plan: RunsPlan): Promise<SimulatedScenario> => {
  const { api } = platform
  const { siteId, file } = await createSite(platform, `bench runs: ${plan.agents} simulated agents`)
  const target: SiteTarget = {
    url: platform.url,
    siteId,
    enrolmentToken: await api.createEnrolmentToken(siteId, plan.agents),
    deflate: plan.deflate,
  }
  const pool = await ForkPool.start<RunsCommand>(
    join(import.meta.dirname, 'client-worker.ts'),
    plan.clientWorkers,
  )
  try {
    const split = shares(plan.agents, pool.size)
    const perWorker = (total: number) => Math.max(1, Math.round(total / pool.size))

    console.error(`  enrolling ${plan.agents} simulated agents (${plan.enrolConcurrency} at a time)`)
    let began = monotonicMs()
    const enrolled = await pool.all<PhaseResult & { agentIds: string[] }>(
      (w) => ({
        cmd: 'enrol',
        target,
        count: split[w] ?? 0,
        concurrency: perWorker(plan.enrolConcurrency),
        timeoutMs: plan.enrolTimeoutMs(plan.agents),
      }),
      plan.enrolTimeoutMs(plan.agents),
    )
    const enrol = summarizePhase(began, monotonicMs(), enrolled)
    const agentIds = enrolled.flatMap((part) => part.agentIds)
    console.error(`  enrolled ${enrol.ok} in ${enrol.seconds.toFixed(1)} s (${enrol.errors} errors)`)

    began = monotonicMs()
    const connected = await pool.all<PhaseResult>(
      () => ({
        cmd: 'connect',
        target,
        concurrency: perWorker(plan.connectConcurrency),
        timeoutMs: plan.connectTimeoutMs(plan.agents),
      }),
      plan.connectTimeoutMs(plan.agents),
    )
    const connect = summarizePhase(began, monotonicMs(), connected)
    console.error(`  connected ${connect.ok} in ${connect.seconds.toFixed(1)} s (${connect.errors} errors)`)
    if (sum(connected) === 0) throw new Error(`no simulated agent connected: ${connect.firstError}`)
    const memoryAfterConnect = groupMemory(platform.group)

    const runs: SimulatedOutcome[] = []
    const variants: [SimulatedRun['variant'], OutputPlan][] = [
      ['no output', { lines: 0, lineBytes: plan.lineBytes }],
      ['output', { lines: plan.lines, lineBytes: plan.lineBytes }],
    ]
    for (const [variant, output] of variants) {
      const taskId = await api.createTask(siteId, {
        name: `bench ${variant}`,
        steps: [{ kind: 'script', name: 'print', body: equivalentScript(output) }],
      })
      await pool.all(() => ({ cmd: 'configure', output }), 10_000)
      const run = await runOnce(platform, siteId, file, taskId, agentIds, output, plan, pool, variant)
      runs.push(run)
    }
    return { agents: plan.agents, enrol, connect, memoryAfterConnect, runs }
  } finally {
    await pool.stop()
  }
}

const runOnce = async (
  platform: Platform,
  siteId: string,
  file: string | undefined,
  taskId: string,
  agentIds: string[],
  output: OutputPlan,
  plan: RunsPlan,
  pool: ForkPool<RunsCommand>,
  variant: SimulatedRun['variant'],
): Promise<SimulatedOutcome> => {
  const { api, group } = platform
  const expectedBytes = printedBytes(output) * agentIds.length
  console.error(
    `  run "${variant}" on ${agentIds.length} agents (${(expectedBytes / 1e6).toFixed(1)} MB of output in all)`,
  )
  const headBefore = (await api.status(siteId)).head_seq
  const storageBefore = file ? measureSiteStorage(file) : undefined
  const r2Before = directoryBytes(r2Dir(platform.dataDir))
  const memoryBefore = groupMemory(group)
  const cpu = meterCpu({ groups: [group], pids: pool.pids }, 'client workers (node)')

  const requestedAtMs = monotonicMs()
  let run: Run
  try {
    run = await api.requestRun(siteId, taskId, {
      target: { agent_ids: agentIds },
      strategy: { mode: 'parallel', concurrency: Math.min(10_000, agentIds.length) },
      deadline_seconds: Math.ceil(plan.runTimeoutMs / 1000) + 60,
    })
  } catch (error) {
    cpu()
    const refused = error instanceof Error ? error.message : String(error)
    const platformError = lastLoggedError(platform.logTail(40))
    console.error(
      `    refused: ${refused}${platformError ? `\n    the platform logged: ${platformError}` : ''}`,
    )
    return { variant, output, agents: agentIds.length, refused, ...(platformError ? { platformError } : {}) }
  }
  const requestAnsweredMs = monotonicMs() - requestedAtMs
  const [watch, receipts] = await Promise.all([
    watchRun({
      read: () => api.latestRun(siteId, taskId),
      runId: run.id,
      requestedAtMs,
      pollEveryMs: plan.pollEveryMs,
      timeoutMs: plan.runTimeoutMs,
      group,
    }),
    pool.all<RunReceipts>(
      () => ({ cmd: 'collect', runId: run.id, timeoutMs: plan.runTimeoutMs }),
      plan.runTimeoutMs,
    ),
  ])
  const cpuUse = cpu()
  const agents = fanOut(requestedAtMs, receipts)
  const memoryAfter = groupMemory(group)
  const headAfter = (await api.status(siteId)).head_seq
  const storageAfter = file ? measureSiteStorage(file) : undefined
  const r2After = directoryBytes(r2Dir(platform.dataDir))
  const timeline = await readTimeline(api, siteId, run.id, headBefore).catch(() => undefined)
  const detail = await readDetail(api, siteId, run.id)
  const result: SimulatedRun = {
    variant,
    output,
    runId: run.id,
    requestAnsweredMs,
    agents,
    watch,
    ...(timeline ? { timeline } : {}),
    ...(output.lines > 0
      ? {
          archivedMBps: mbPerSecond(agents.printedBytes, watch.archivedMs),
          ingestedMBps: mbPerSecond(agents.printedBytes, agents.lastDoneMs),
        }
      : {}),
    headSeq: { before: headBefore, after: headAfter },
    ...(storageBefore && storageAfter
      ? { storage: { before: storageBefore, afterArchive: storageAfter } }
      : {}),
    r2Bytes: { before: r2Before, after: r2After },
    memory: {
      before: memoryBefore,
      ...(watch.peakMemory ? { peak: watch.peakMemory } : {}),
      after: memoryAfter,
    },
    cpu: cpuUse,
    ...(detail ? { detail } : {}),
  }
  const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(2)} s`)
  console.error(
    `    every step received after ${seconds(agents.lastReceivedMs)}, every finish acked after ${seconds(agents.lastDoneMs)}, ` +
      `run ${watch.status} seen after ${seconds(watch.finishedMs)}, archived after ${seconds(watch.archivedMs)}` +
      (agents.errors ? ` (${agents.errors} errors: ${agents.firstError})` : ''),
  )
  return result
}

/** The `error` field of the last error line the platform logged. */
const lastLoggedError = (tail: string): string | undefined => {
  for (const line of tail.split('\n').reverse()) {
    try {
      const entry = JSON.parse(line) as { level?: string; error?: unknown }
      if (entry.level === 'error' && typeof entry.error === 'string') return entry.error
    } catch {
      // Not a log line (the start banner).
    }
  }
  return undefined
}

/** The run's detail once it is archived: what the platform counted, and the cost of that call for a big run. */
const readDetail = async (api: Platform['api'], siteId: string, runId: string) => {
  try {
    const began = monotonicMs()
    const detail: RunDetail = await api.run(siteId, runId)
    const ms = monotonicMs() - began
    return {
      ms,
      bytes: detail.steps.reduce((total, step) => total + step.bytes, 0),
      lines: detail.steps.reduce((total, step) => total + step.lines, 0),
      succeeded: detail.agents.succeeded,
      responseBytes: Buffer.byteLength(JSON.stringify(detail)),
    }
  } catch {
    return undefined
  }
}
