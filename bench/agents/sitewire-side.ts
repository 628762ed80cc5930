import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPlatform } from '../../test/platform-process'
import { onInterrupt } from '../lib/cleanup'
import type { CpuUse } from '../lib/cpu-meter'
import { freePorts } from '../lib/free-port'
import { type GroupMemory, groupMemory } from '../lib/group-memory'
import { type BroadcastOutcome, runBroadcasts } from './broadcast'
import { type ClientPool, type Command, shares, startClientPool } from './client-pool'
import { meterCpu } from './cpu'
import { type Census, monotonicMs, type PhaseResult, type SitewireTarget } from './messages'
import { type PhaseSummary, sumCensus, summarizePhase } from './phase'
import type { AgentsPlan } from './plan'
import { AdminApi } from './sitewire-api'

/** The port the bench uses, away from `npm start`'s 8787 and the tests' range; another is found if taken. */
const PREFERRED_PORT = 18_870

export interface SitewireRun {
  agents: number
  port: number
  enrol: PhaseSummary
  connect: PhaseSummary
  /** Agents the platform lists as `presence: online` once all connected. */
  online: number
  census: { afterConnect: Census; afterBroadcasts: Census }
  memory: { beforeAgents: GroupMemory; afterConnect: GroupMemory; afterBroadcasts: GroupMemory }
  broadcast: BroadcastOutcome
  cpu: { enrol: CpuUse; connect: CpuUse; broadcasts: CpuUse }
  /** The site's log head at the end: enrolments, connections and broadcasts are all events. */
  headSeq: number
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

/** The platform takes its port and the next one (the libSQL server). */
const platformPort = async () =>
  (await isFree(PREFERRED_PORT)) && (await isFree(PREFERRED_PORT + 1)) ? PREFERRED_PORT : freePorts(2)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs one connection phase on every worker and sums it up. */
const phase = async (
  pool: ClientPool,
  timeoutMs: number,
  command: (worker: number) => Command,
): Promise<PhaseSummary> => {
  const started = monotonicMs()
  const parts = await pool.all<PhaseResult>(command, timeoutMs)
  return summarizePhase(started, monotonicMs(), parts)
}

/**
 * Sitewire with `agents` simulated agents on one site: a fresh platform in a temp data dir,
 * enrolment and connection of every agent, then the broadcasts. Everything it starts is
 * stopped on the way out, also on failure or Ctrl-C.
 */
export const measureSitewire = async (agents: number, plan: AgentsPlan): Promise<SitewireRun> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-agents-'))
  const port = await platformPort()
  console.error(`sitewire, ${agents} agents: starting the platform on 127.0.0.1:${port} (data in ${dataDir})`)
  const platform = await startPlatform({ dataDir, port, timeoutMs: 120_000 }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  })
  let pool: ClientPool | undefined
  const stop = onInterrupt(async () => {
    await pool?.stop()
    await platform.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
  try {
    const group = platform.process.pid
    if (!platform.adminKey || !group) throw new Error('the platform started without an admin key or a pid')
    const api = new AdminApi(platform.url, platform.adminKey)
    const siteId = await api.createSite(`bench agents ${agents}`)
    const target: SitewireTarget = {
      url: platform.url,
      siteId,
      enrolmentToken: await api.createEnrolmentToken(siteId, agents),
      deflate: plan.deflate,
    }
    pool = await startClientPool(plan.clientWorkers)
    const split = shares(agents, pool.size)
    const perWorker = (total: number) => Math.max(1, Math.round(total / split.length))
    const beforeAgents = groupMemory(group)
    const watch = { groups: [group], pids: pool.pids }

    console.error(`  enrolling ${agents} agents (${plan.enrolConcurrency} at a time)`)
    let cpu = meterCpu(watch)
    const enrolTimeout = plan.enrolTimeoutMs(agents)
    const enrol = await phase(pool, enrolTimeout, (w) => ({
      cmd: 'enrol',
      target,
      count: split[w] ?? 0,
      concurrency: perWorker(plan.enrolConcurrency),
      timeoutMs: enrolTimeout,
    }))
    const enrolCpu = cpu()
    console.error(`  enrolled ${enrol.ok} in ${enrol.seconds.toFixed(1)} s (${enrol.errors} errors)`)
    if (enrol.firstError) console.error(`  first enrol error: ${enrol.firstError}`)

    console.error(`  connecting ${enrol.ok} agents (${plan.connectConcurrency} at a time)`)
    cpu = meterCpu(watch)
    const connectTimeout = plan.connectTimeoutMs(agents)
    const connect = await phase(pool, connectTimeout, () => ({
      cmd: 'connect-agents',
      target,
      concurrency: perWorker(plan.connectConcurrency),
      timeoutMs: connectTimeout,
    }))
    const connectCpu = cpu()
    console.error(
      `  connected ${connect.ok} in ${connect.seconds.toFixed(1)} s (${connect.errors} errors; ` +
        `WebSocket extensions: ${connect.extensions ?? 'none'})`,
    )
    if (connect.firstError) console.error(`  first connect error: ${connect.firstError}`)

    await sleep(plan.settleMs)
    const online = await api.countOnline(siteId)
    const afterConnect = groupMemory(group)
    const censusAfterConnect = sumCensus(await pool.all<Census>(() => ({ cmd: 'census' }), 10_000))
    console.error(
      `  ${online} online by the API, ${censusAfterConnect.open} open; platform RSS ${afterConnect.totalMiB} MiB`,
    )

    // One call first, so the broadcasts' POST reuses a warm keep-alive connection.
    await api.status(siteId)
    cpu = meterCpu(watch)
    const broadcast = await runBroadcasts(pool, plan, async () => ({
      recipients: await api.refreshFacts(siteId),
    }))
    const broadcastCpu = cpu()
    const censusAfterBroadcasts = sumCensus(await pool.all<Census>(() => ({ cmd: 'census' }), 10_000))
    console.error(`  the clients received, by type: ${JSON.stringify(censusAfterBroadcasts.received)}`)
    const afterBroadcasts = groupMemory(group)
    const { head_seq: headSeq } = await api.status(siteId)
    return {
      agents,
      port,
      enrol,
      connect,
      online,
      census: { afterConnect: censusAfterConnect, afterBroadcasts: censusAfterBroadcasts },
      memory: { beforeAgents, afterConnect, afterBroadcasts },
      broadcast,
      cpu: { enrol: enrolCpu, connect: connectCpu, broadcasts: broadcastCpu },
      headSeq,
    }
  } finally {
    await stop()
  }
}
