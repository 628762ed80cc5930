import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Pool } from 'undici'
import { onInterrupt } from '../lib/cleanup'
import { runClosedLoop } from '../lib/closed-loop'
import { startCpuMeter } from '../lib/cpu-meter'
import { freePorts } from '../lib/free-port'
import { formatTable } from '../lib/table'

const here = import.meta.dirname
const modules = resolve(here, '..', '..', 'node_modules')
const body = JSON.stringify({
  specversion: '1.0',
  id: 'floor',
  source: '/bench',
  type: 'com.example.bench',
  data: {},
})

/** The two ways to run a Worker locally: wrangler's dev server, or Miniflare's API alone. */
const RUNTIMES = {
  'wrangler dev': (port: number, persist: string) => [
    join(modules, 'wrangler', 'bin', 'wrangler.js'),
    'dev',
    '--config',
    join(here, 'wrangler.toml'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    persist,
    '--show-interactive-dev-session=false',
    '--log-level',
    'log',
  ],
  miniflare: (port: number, persist: string) => [
    join(modules, 'tsx', 'dist', 'cli.mjs'),
    join(here, 'miniflare-host.ts'),
    '--port',
    String(port),
    '--persist',
    persist,
  ],
}

/** Starts the floor Worker in its own process group and waits until it answers. */
const startFloor = async (runtime: keyof typeof RUNTIMES) => {
  const port = await freePorts(1)
  const persist = mkdtempSync(join(tmpdir(), 'sitewire-bench-floor-'))
  const child = spawn(process.execPath, RUNTIMES[runtime](port, persist), {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
  const exited = once(child, 'exit')
  const stop = onInterrupt(async () => {
    if (child.pid) process.kill(-child.pid, 'SIGINT')
    await exited
    rmSync(persist, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${port}`
  for (let tries = 0; ; tries += 1) {
    const ok = await fetch(`${url}/hello`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (tries > 600) throw new Error(`the floor Worker did not start under ${runtime}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return { url, group: child.pid ?? 0, stop }
}

const measureRuntime = async (runtime: keyof typeof RUNTIMES): Promise<(string | number)[][]> => {
  const floor = await startFloor(runtime)
  const pool = new Pool(floor.url, { connections: 64 })
  const call = (method: 'GET' | 'POST', path: string, expected: number) => async () => {
    const response = await pool.request({ method, path, body: method === 'POST' ? body : null })
    await response.body.text()
    if (response.statusCode !== expected) throw new Error(`${path} answered ${response.statusCode}`)
  }
  const probes = [
    { name: 'Worker only (GET /hello)', op: call('GET', '/hello', 200) },
    { name: 'Worker → DO RPC (GET /ping)', op: call('GET', '/ping', 200) },
    { name: 'Worker → DO SQLite insert (POST /append)', op: call('POST', '/append', 201) },
  ]
  const rows: (string | number)[][] = []
  try {
    for (const probe of probes) {
      for (const concurrency of [1, 32]) {
        const stopMeter = startCpuMeter({ groups: [floor.group] })
        const result = await runClosedLoop({
          concurrency,
          warmupMs: 1_000,
          durationMs: 5_000,
          eventsPerOp: 1,
          op: probe.op,
        })
        const split = Object.entries(stopMeter().byPart)
          .filter(([, use]) => use.cores >= 0.02)
          .map(([part, use]) => `${part} ${use.cores.toFixed(2)}`)
          .join(', ')
        const { p50, p99 } = result.latencyMs
        rows.push([
          runtime,
          probe.name,
          concurrency,
          result.requestsPerSecond,
          p50,
          p99,
          result.errors,
          split,
        ])
      }
    }
  } finally {
    await pool.close()
    await floor.stop()
  }
  return rows
}

/**
 * The runtime's own ceiling on this machine: a bare Worker, a Durable Object call and a one-row
 * Durable Object write, at concurrency 1 and 32, under each way of running workerd locally.
 */
const main = async () => {
  const rows: (string | number)[][] = []
  for (const runtime of Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[])
    rows.push(...(await measureRuntime(runtime)))
  console.log(
    formatTable(['runtime', 'probe', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU cores used'], rows),
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
