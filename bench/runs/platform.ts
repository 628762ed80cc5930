import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPlatform } from '../../test/platform-process'
import { onInterrupt } from '../lib/cleanup'
import { freePorts } from '../lib/free-port'
import { RunsApi } from './runs-api'
import { siteObjectFiles } from './site-storage'

/** The port this bench asks for, away from `npm start`'s 8787, the tests and bench:agents' 18870; another if taken. */
const PREFERRED_PORT = 18_890

/** A running platform and what the scenarios need of it. */
export interface Platform {
  url: string
  port: number
  dataDir: string
  /** The process group of `npm start`: every process of the platform. */
  group: number
  /** The admin API key `npm start` made, for benches that call the API themselves. */
  adminKey: string
  api: RunsApi
  /** The platform's last log lines (warnings and errors only), to explain a failure. */
  logTail(lines?: number): string
  stop(): Promise<void>
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

/**
 * Starts the platform fresh as `npm start` does, in a temp data dir, logging warnings only
 * (so the bench does not measure log piping). Stopped on `stop()` and on Ctrl-C; the data
 * dir goes with it.
 */
export const startFreshPlatform = async (options: { inspectorPort?: number } = {}): Promise<Platform> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-runs-'))
  const port = await platformPort()
  console.error(`sitewire: starting the platform on 127.0.0.1:${port} (data in ${dataDir})`)
  const platform = await startPlatform({
    dataDir,
    port,
    logLevel: 'warn',
    timeoutMs: 120_000,
    ...options,
  }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  })
  const stop = onInterrupt(async () => {
    await platform.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const group = platform.process.pid
  if (!platform.adminKey || !group) {
    await stop()
    throw new Error('the platform started without an admin key or a pid')
  }
  return {
    url: platform.url,
    port,
    dataDir,
    group,
    adminKey: platform.adminKey,
    api: new RunsApi(platform.url, platform.adminKey),
    logTail: (lines = 20) => platform.output.slice(-lines).join('\n'),
    stop,
  }
}

/**
 * Creates a site and finds its object's SQLite file: the one that was not there before.
 * Miniflare names the file by a hash of the object's id, so this is how the bench tells
 * which file is the site's.
 */
export const createSite = async (platform: Platform, name: string) => {
  const before = new Set(siteObjectFiles(platform.dataDir))
  const siteId = await platform.api.createSite(name)
  await platform.api.status(siteId)
  const file = siteObjectFiles(platform.dataDir).find((path) => !before.has(path))
  return { siteId, file }
}
