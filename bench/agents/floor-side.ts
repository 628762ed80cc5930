import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { onInterrupt } from '../lib/cleanup'
import type { CpuUse } from '../lib/cpu-meter'
import { freePorts } from '../lib/free-port'
import { type GroupMemory, groupMemory } from '../lib/group-memory'
import { type BroadcastOutcome, runBroadcasts } from './broadcast'
import { type ClientPool, shares, startClientPool } from './client-pool'
import { meterCpu } from './cpu'
import { type Census, monotonicMs, type PhaseResult } from './messages'
import { type PhaseSummary, sumCensus, summarizePhase } from './phase'
import type { AgentsPlan } from './plan'

export interface FloorRun {
  clients: number
  connect: PhaseSummary
  census: { afterConnect: Census; afterBroadcasts: Census }
  /** The host's process group: its Node process (Miniflare) and workerd. */
  memory: { beforeClients: GroupMemory; afterConnect: GroupMemory }
  broadcast: BroadcastOutcome
  cpu: { connect: CpuUse; broadcasts: CpuUse }
}

const here = resolve(import.meta.dirname, 'floor')
const tsx = resolve(import.meta.dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Starts the floor hub in its own process group and waits until it answers. */
const startHub = async () => {
  const port = await freePorts(1)
  const persist = mkdtempSync(join(tmpdir(), 'sitewire-bench-hub-'))
  const child = spawn(
    process.execPath,
    [tsx, join(here, 'host.ts'), '--port', String(port), '--persist', persist],
    {
      detached: true,
      stdio: 'ignore',
    },
  )
  const exited = once(child, 'exit')
  const stop = async () => {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGINT')
      await Promise.race([exited, sleep(10_000)])
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL')
    } catch {
      // The group is gone already.
    }
    rmSync(persist, { recursive: true, force: true })
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (
    !(await fetch(`${url}/hello`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop()
      throw new Error('the floor hub did not start within 60 s')
    }
    await sleep(100)
  }
  return { url, group: child.pid ?? 0, stop }
}

/**
 * The runtime's floor for the same job: a bare Durable Object holding the same number of
 * hibernatable WebSockets from the same clients, and sending them the same frame.
 */
export const measureFloor = async (clients: number, plan: AgentsPlan): Promise<FloorRun> => {
  const hub = await startHub()
  console.error(`workerd floor, ${clients} sockets: bare hub on ${hub.url}`)
  let pool: ClientPool | undefined
  const stop = onInterrupt(async () => {
    await pool?.stop()
    await hub.stop()
  })
  try {
    pool = await startClientPool(plan.clientWorkers)
    const split = shares(clients, pool.size)
    const concurrency = Math.max(1, Math.round(plan.connectConcurrency / split.length))
    const beforeClients = groupMemory(hub.group)
    const watch = { groups: [hub.group], pids: pool.pids }
    let cpu = meterCpu(watch)
    const timeoutMs = plan.connectTimeoutMs(clients)
    const started = monotonicMs()
    const url = `${hub.url.replace(/^http/, 'ws')}/connect`
    const parts = await pool.all<PhaseResult>(
      (w) => ({
        cmd: 'connect-bare',
        url,
        count: split[w] ?? 0,
        deflate: plan.deflate,
        concurrency,
        timeoutMs,
      }),
      timeoutMs,
    )
    const connect = summarizePhase(started, monotonicMs(), parts)
    const connectCpu = cpu()
    console.error(
      `  connected ${connect.ok} in ${connect.seconds.toFixed(1)} s (${connect.errors} errors; ` +
        `WebSocket extensions: ${connect.extensions ?? 'none'})`,
    )
    await sleep(plan.settleMs)
    const afterConnect = groupMemory(hub.group)
    const censusAfterConnect = sumCensus(await pool.all<Census>(() => ({ cmd: 'census' }), 10_000))
    console.error(`  ${censusAfterConnect.open} open; hub RSS ${afterConnect.totalMiB} MiB`)

    // One call first, so the broadcasts' POST reuses a warm keep-alive connection.
    await fetch(`${hub.url}/hello`).then((r) => r.text())
    cpu = meterCpu(watch)
    const broadcast = await runBroadcasts(pool, plan, async () => {
      const response = await fetch(`${hub.url}/broadcast`, {
        method: 'POST',
        signal: AbortSignal.timeout(60_000),
      })
      return { recipients: ((await response.json()) as { agents: number }).agents }
    })
    const broadcastCpu = cpu()
    const censusAfterBroadcasts = sumCensus(await pool.all<Census>(() => ({ cmd: 'census' }), 10_000))
    console.error(`  the clients received, by type: ${JSON.stringify(censusAfterBroadcasts.received)}`)
    return {
      clients,
      connect,
      census: { afterConnect: censusAfterConnect, afterBroadcasts: censusAfterBroadcasts },
      memory: { beforeClients, afterConnect },
      broadcast,
      cpu: { connect: connectCpu, broadcasts: broadcastCpu },
    }
  } finally {
    await stop()
  }
}
