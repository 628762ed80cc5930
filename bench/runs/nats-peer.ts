import { join } from 'node:path'
import { connect, type NatsConnection, StorageType } from 'nats'
import { EventType } from '../../schema/events/types'
import { shares } from '../agents/client-pool'
import { monotonicMs } from '../agents/messages'
import { type PhaseSummary, summarizePhase } from '../agents/phase'
import { onInterrupt } from '../lib/cleanup'
import type { CpuUse } from '../lib/cpu-meter'
import { ForkPool } from '../lib/fork-pool'
import { sampleProcess } from '../lib/process-group'
import { findNatsServer, startNatsServer } from '../log/nats-server'
import { meterCpu } from './cpu'
import { type FanOut, fanOut, mbPerSecond } from './fan-out'
import { jobSubject, type NatsMode, type PhaseResult, type RunReceipts, type RunsCommand } from './messages'
import type { Job } from './nats-workers'
import type { RunsPlan } from './plan'
import type { OutputPlan } from './step-output'

const STREAM = 'RUNS'

/** One job fanned out to every worker, and their output gathered by the dispatcher. */
export interface PeerRun {
  mode: NatsMode
  variant: 'no output' | 'output'
  output: OutputPlan
  workers: FanOut
  /** Request → the dispatcher has every worker's last frame (and so all output before it). */
  allReceivedMs?: number
  receivedBytes: number
  receivedMessages: number
  /** Printed bytes ÷ (request → all received). */
  receivedMBps?: number
  /** nats-server's resident memory at the end, MiB. */
  serverMiB: number
  cpu: CpuUse
  stream?: { messages: number; bytes: number }
  timedOut: boolean
}

export type NatsPeer =
  | { measured: true; version: string; workers: number; connect: PhaseSummary; runs: PeerRun[] }
  | { measured: false; reason: string }

const FINISHED = `"type":"${EventType.stepFinished}"`

/**
 * The dispatcher's side: counts what reaches it of one run and resolves once every worker's
 * `step.finished` frame has (each worker's frames arrive in order, so its output came first).
 * Each message is parsed, as the platform parses each frame.
 */
const gather = (expected: number) => {
  let bytes = 0
  let messages = 0
  let finished = 0
  let resolveAll: (at: number) => void = () => {}
  const all = new Promise<number>((resolve) => {
    resolveAll = resolve
  })
  const take = (data: Uint8Array) => {
    bytes += data.byteLength
    messages += 1
    const text = new TextDecoder().decode(data)
    JSON.parse(text)
    if (text.includes(FINISHED)) {
      finished += 1
      if (finished === expected) resolveAll(monotonicMs())
    }
  }
  return { take, all, counts: () => ({ bytes, messages }) }
}

const runOnce = async (
  nc: NatsConnection,
  pool: ForkPool<RunsCommand>,
  names: string[],
  mode: NatsMode,
  variant: PeerRun['variant'],
  plan: RunsPlan,
  serverPid: number,
): Promise<PeerRun> => {
  const output = { lines: variant === 'output' ? plan.lines : 0, lineBytes: plan.lineBytes }
  await pool.all(() => ({ cmd: 'nats-configure', output, mode }), 10_000)
  const runId = `r${Date.now().toString(36)}${mode}${output.lines}`
  const gathered = gather(names.length)
  let stop: () => void = () => {}
  if (mode === 'core') {
    const sub = nc.subscribe(`runs.${runId}.>`, {
      callback: (_error, message) => gathered.take(message.data),
    })
    stop = () => sub.unsubscribe()
  } else {
    const jsm = await nc.jetstreamManager()
    await jsm.streams.add({ name: STREAM, subjects: ['runs.>'], storage: StorageType.File })
    // An ordered consumer: JetStream's own way to read a stream in order, flow-controlled.
    const consumer = await nc.jetstream().consumers.get(STREAM)
    const messages = await consumer.consume()
    void (async () => {
      for await (const message of messages) gathered.take(message.data)
    })()
    stop = () => void messages.stop()
  }
  console.error(`  ${mode}, ${variant}: one job to each of ${names.length} workers`)
  const cpu = meterCpu({ pids: [serverPid, ...pool.pids] }, 'client workers (node)')
  const requestedAtMs = monotonicMs()
  const job = JSON.stringify({ run_id: runId, index: 0, attempt: 1 } satisfies Job)
  for (const name of names) nc.publish(jobSubject(name), job)
  await nc.flush()
  const [receipts, allAt] = await Promise.all([
    pool.all<RunReceipts>(
      () => ({ cmd: 'nats-collect', runId, timeoutMs: plan.runTimeoutMs }),
      plan.runTimeoutMs,
    ),
    Promise.race([gathered.all, new Promise<undefined>((resolve) => setTimeout(resolve, plan.runTimeoutMs))]),
  ])
  const cpuUse = cpu()
  stop()
  const workers = fanOut(requestedAtMs, receipts)
  const allReceivedMs = allAt === undefined ? undefined : allAt - requestedAtMs
  let stream: PeerRun['stream']
  if (mode === 'jetstream') {
    const jsm = await nc.jetstreamManager()
    const info = await jsm.streams.info(STREAM)
    stream = { messages: info.state.messages, bytes: info.state.bytes }
    await jsm.streams.delete(STREAM)
  }
  const { bytes, messages } = gathered.counts()
  const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(2)} s`)
  console.error(
    `    every job received after ${seconds(workers.lastReceivedMs)}, every worker done after ${seconds(workers.lastDoneMs)}, ` +
      `all output at the dispatcher after ${seconds(allReceivedMs)}`,
  )
  return {
    mode,
    variant,
    output,
    workers,
    ...(allReceivedMs === undefined ? {} : { allReceivedMs }),
    receivedBytes: bytes,
    receivedMessages: messages,
    ...(output.lines > 0 ? { receivedMBps: mbPerSecond(workers.printedBytes, allReceivedMs) } : {}),
    serverMiB: Number(((sampleProcess(serverPid)?.rssKiB ?? 0) / 1024).toFixed(1)),
    cpu: cpuUse,
    ...(stream ? { stream } : {}),
    timedOut: allReceivedMs === undefined,
  }
}

/**
 * The peer: the same fan-out and fan-in over NATS. `plan.agents` workers, each its own
 * connection subscribed to its own subject, in the same two client processes; a dispatcher
 * in the bench's main process publishes one job to each and gathers what comes back: the same
 * frames, byte for byte, that the simulated agents send. Two ways: core NATS (nothing stored,
 * nothing acked: the broker's floor), and JetStream with file storage, every frame acked
 * before the next beyond a window of 100 (the agent's outbox), read back by the dispatcher.
 */
export const measureNats = async (plan: RunsPlan): Promise<NatsPeer> => {
  const binary = findNatsServer()
  if (!binary)
    return {
      measured: false,
      reason: 'nats-server is not installed (apt-get install -y nats-server): the NATS peer was skipped',
    }
  const server = await startNatsServer(binary)
  console.error(`nats: ${server.version} on ${server.url}`)
  let pool: ForkPool<RunsCommand> | undefined
  let nc: NatsConnection | undefined
  const stop = onInterrupt(async () => {
    await nc?.close()
    await pool?.stop()
    await server.stop()
  })
  try {
    pool = await ForkPool.start<RunsCommand>(
      join(import.meta.dirname, 'client-worker.ts'),
      plan.clientWorkers,
    )
    const split = shares(plan.agents, pool.size)
    const concurrency = Math.max(1, Math.round(plan.connectConcurrency / pool.size))
    console.error(`  connecting ${plan.agents} workers`)
    const began = monotonicMs()
    const parts = await pool.all<PhaseResult & { names: string[] }>(
      (w) => ({
        cmd: 'nats-connect',
        url: server.url,
        count: split[w] ?? 0,
        concurrency,
        timeoutMs: plan.connectTimeoutMs(plan.agents),
      }),
      plan.connectTimeoutMs(plan.agents),
    )
    const connectPhase = summarizePhase(began, monotonicMs(), parts)
    const names = parts.flatMap((part) => part.names)
    nc = await connect({ servers: server.url, name: 'dispatcher' })
    const runs: PeerRun[] = []
    for (const variant of ['no output', 'output'] as const)
      for (const mode of ['core', 'jetstream'] as const)
        runs.push(await runOnce(nc, pool, names, mode, variant, plan, server.pid))
    return { measured: true, version: server.version, workers: names.length, connect: connectPhase, runs }
  } finally {
    await stop()
  }
}
