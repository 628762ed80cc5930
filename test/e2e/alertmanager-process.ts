import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { stringify } from 'yaml'
import { until } from './agent-process'

/** Debian's name for the binary (`apt-get install prometheus-alertmanager`, 0.25 on bookworm). */
const binary = 'prometheus-alertmanager'

export const alertmanagerAvailable = () => spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0

/**
 * `describe` for tests that need the real Alertmanager. Without it: under CI a failing test
 * (CI must never pass by skipping these), elsewhere a skip whose title says what to install.
 */
export const describeWithAlertmanager = (name: string, body: () => void) => {
  if (alertmanagerAvailable()) return describe(name, body)
  const missing = `${binary} is not on PATH (apt-get install --no-install-recommends ${binary})`
  if (process.env.CI) {
    return describe(name, () => {
      it(`needs ${binary}`, () => {
        throw new Error(missing)
      })
    })
  }
  // The default reporter counts skipped tests without their titles: say why on stderr too.
  console.warn(`skipping "${name}": ${missing}`)
  return describe.skip(`${name} (skipped: ${missing})`, body)
}

export interface FireOptions {
  /** RFC 3339; Alertmanager uses the time it receives the alert when absent. */
  startsAt?: string
  generatorURL?: string
}

export interface RunningAlertmanager {
  url: string
  output: string[]
  /** Posts one firing alert through API v2, as Prometheus would. */
  fire(
    labels: Record<string, string>,
    annotations?: Record<string, string>,
    options?: FireOptions,
  ): Promise<void>
  /** Posts the alert these labels name again with `endsAt` now: Alertmanager resolves it. */
  resolve(labels: Record<string, string>): Promise<void>
  /** Kills the process and removes its config and storage. */
  stop(): Promise<void>
}

const freePort = async () => {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * Starts the real Alertmanager on loopback with one receiver, `sitewire`, that posts every
 * group (`group_by: [alertname]`) to `webhook.url` with a bearer token; short group timings
 * so a test sees a notification within seconds, and no cluster gossip.
 */
export const startAlertmanager = async (webhook: {
  url: string
  token: string
}): Promise<RunningAlertmanager> => {
  const dir = await mkdtemp(join(tmpdir(), 'sitewire-alertmanager-'))
  const config = {
    route: {
      receiver: 'sitewire',
      group_by: ['alertname'],
      group_wait: '1s',
      group_interval: '2s',
      repeat_interval: '4h',
    },
    receivers: [
      {
        name: 'sitewire',
        webhook_configs: [
          {
            url: webhook.url,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials: webhook.token } },
          },
        ],
      },
    ],
  }
  const configFile = join(dir, 'alertmanager.yml')
  await writeFile(configFile, stringify(config))
  const port = await freePort()
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Empty turns gossip off; its default listens on 0.0.0.0:9094.
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output: string[] = []
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)))
  }
  let exitCode: number | null | undefined
  const exited = once(child, 'exit').then(([code]) => {
    exitCode = code as number | null
  })
  const url = `http://127.0.0.1:${port}`

  const stop = async () => {
    if (exitCode === undefined) {
      child.kill('SIGKILL')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }

  try {
    await until(
      'Alertmanager to be ready',
      async () => {
        if (exitCode !== undefined)
          throw new Error(`Alertmanager exited with ${exitCode}:\n${output.join('\n')}`)
        const ready = await fetch(`${url}/-/ready`).then(
          (response) => response.ok,
          () => false,
        )
        return ready || undefined
      },
      30_000,
    )
  } catch (error) {
    await stop()
    throw error
  }

  const post = async (alert: Record<string, unknown>) => {
    const response = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([alert]),
    })
    if (!response.ok)
      throw new Error(`Alertmanager refused the alert: ${response.status} ${await response.text()}`)
  }

  // Prometheus resolves by re-sending the whole alert with `endsAt`; a bare one would blank the
  // annotations, since Alertmanager keeps the last post's fields.
  const fired = new Map<string, Record<string, unknown>>()
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort())

  return {
    url,
    output,
    fire: (labels, annotations = {}, options = {}) => {
      const alert = { labels, annotations, ...options }
      fired.set(key(labels), alert)
      return post(alert)
    },
    resolve: (labels) =>
      post({ ...(fired.get(key(labels)) ?? { labels }), endsAt: new Date().toISOString() }),
    stop,
  }
}
