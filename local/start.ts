import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureConsoleBuilt } from './console-build'
import { migrateProjections } from './projection-migrations'
import { publishAgent } from './publish-agent'
import { type SupervisedProcess, supervise } from './supervisor'
import { buildWorker, startWorker } from './worker-runtime'

const HELP = `Start Sitewire locally: the Worker and its Durable Objects on workerd, local R2, the web UI
and a local libSQL server, with all state under the data directory.

Usage: npm start -- [options]

Options:
  --data-dir DIR      where state lives (env SITEWIRE_DATA_DIR, default .data)
  --port N            the platform's HTTP port on 127.0.0.1 (env SITEWIRE_PORT, default 8787)
  --libsql-port N     the local libSQL server's port (default: the platform's port + 1)
  --domain NAME       the first tenant's domain, used on first start only (default localhost)
  --log-level LEVEL   debug, info, warn or error (default info)
  --inspector-port N  opens workerd's V8 inspector on 127.0.0.1:N, for DevTools or a CPU profile
  -h, --help          show this help

On first start it prints an admin API key once; only its hash is stored.
Ctrl-C stops everything.`

const root = resolve(import.meta.dirname, '..')
/** tsx's loader inside the server's own node process: no wrapper process between supervisor and server. */
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href

const { values: options } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: process.env.SITEWIRE_DATA_DIR ?? '.data' },
    port: { type: 'string', default: process.env.SITEWIRE_PORT ?? '8787' },
    'libsql-port': { type: 'string' },
    domain: { type: 'string', default: 'localhost' },
    'log-level': { type: 'string', default: 'info' },
    'inspector-port': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (options.help) {
  console.log(HELP)
  process.exit(0)
}

const dataDir = resolve(options['data-dir'])
const port = Number(options.port)
const libsqlPort = Number(options['libsql-port'] ?? port + 1)
const inspectorPort = options['inspector-port'] === undefined ? undefined : Number(options['inspector-port'])
if (
  !Number.isInteger(port) ||
  !Number.isInteger(libsqlPort) ||
  (inspectorPort !== undefined && !Number.isInteger(inspectorPort))
) {
  console.error('--port, --libsql-port and --inspector-port take a port number')
  process.exit(2)
}
const logLevel = options['log-level']
const url = `http://127.0.0.1:${port}`
const libsqlUrl = `http://127.0.0.1:${libsqlPort}`

/** A secret kept in the data directory, created on first start and readable only by its owner. */
const persistentSecret = async (name: string) => {
  const path = join(dataDir, name)
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim()
  const secret = randomBytes(32).toString('base64url')
  await writeFile(path, `${secret}\n`, { mode: 0o600 })
  return secret
}

const say = (msg: string, fields: Record<string, unknown> = {}) =>
  console.log(
    JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, component: 'start', ...fields }),
  )

const waitFor = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`)
}

const children: SupervisedProcess[] = []
let stopping = false

/** Stops the children in reverse order of start, then exits. */
const stop = async (code: number) => {
  if (stopping) return
  stopping = true
  say('stopping')
  await Promise.all(children.reverse().map((child) => child.stop()))
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))

const main = async () => {
  await mkdir(join(dataDir, 'libsql'), { recursive: true })
  await mkdir(join(dataDir, 'workerd'), { recursive: true })
  await chmod(dataDir, 0o700)
  const libsqlToken = await persistentSecret('libsql-token')
  // Kept in the data directory, so that `npm run admin -- reset-admin` can prove it runs this platform.
  const bootstrapToken = await persistentSecret('bootstrap-token')

  children.push(
    supervise({
      name: 'libsql',
      command: process.execPath,
      args: [
        '--import',
        tsxLoader,
        join(root, 'local', 'libsql-server', 'main.ts'),
        '--db',
        join(dataDir, 'libsql', 'sitewire.db'),
        '--port',
        String(libsqlPort),
      ],
      env: { LIBSQL_AUTH_TOKEN: libsqlToken },
      onLine: (line) => console.log(line),
      onRestart: (exit, delay) =>
        say('libsql server exited; restarting', { exit_code: exit, delay_ms: delay }),
    }),
  )
  await waitFor('the libSQL server', async () => (await fetch(`${libsqlUrl}/health`)).ok)
  await migrateProjections(libsqlUrl, libsqlToken)

  // The console's static files are the assets the Worker serves; rebuilt only when web/ changed.
  if (await ensureConsoleBuilt()) say('built the web console')
  say('building the Worker bundle')
  await buildWorker(root, join(dataDir, 'build'))
  const worker = await startWorker({
    root,
    bundleDir: join(dataDir, 'build'),
    persistDir: join(dataDir, 'workerd'),
    port,
    inspectorPort,
    vars: {
      LIBSQL_URL: libsqlUrl,
      LIBSQL_AUTH_TOKEN: libsqlToken,
      BOOTSTRAP_TOKEN: bootstrapToken,
      LOG_LEVEL: logLevel,
    },
  })
  children.push({ name: 'workerd', pid: undefined, stop: () => worker.dispose() })
  await waitFor('the Worker', async () => (await fetch(`${url}/v1/health`)).ok)
  await publishAgent(root, worker)

  const firstTenant = await bootstrapOnce(bootstrapToken)
  const adminKey = firstTenant?.api_key
  const lines = [
    '',
    `  Sitewire is running at ${url}`,
    `  Web console:        ${url}/`,
    `  API reference:      ${url}/v1/docs`,
    `  Data directory:     ${dataDir}`,
    ...(adminKey
      ? [
          `  Admin API key:      ${adminKey}`,
          `  Admin user:         ${firstTenant?.admin_email}`,
          `  Admin password:     ${firstTenant?.admin_password}`,
          '  (shown this once; only its hash is stored: keep it somewhere safe)',
          `  Try: curl -H "Authorization: Bearer ${adminKey}" ${url}/v1/sites`,
        ]
      : ['  Use the admin API key printed on first start.']),
    '  Ctrl-C stops the platform.',
    '',
  ]
  console.log(lines.join('\n'))
  say('platform ready', { url, data_dir: dataDir, pid: process.pid })
}

interface FirstTenant {
  tenant_id?: string
  key_id?: string
  api_key?: string
  admin_email?: string
  admin_password?: string
}

/** Creates the first tenant and its admin key on first start; later starts find it done. */
const bootstrapOnce = async (token: string): Promise<FirstTenant | undefined> => {
  const marker = join(dataDir, 'bootstrap.json')
  if (existsSync(marker)) return undefined
  const response = await fetch(`${url}/v1/bootstrap`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ domain: options.domain }),
  })
  const body = (await response.json()) as FirstTenant
  if (response.status === 409) {
    await writeFile(marker, JSON.stringify({ bootstrapped: true }))
    return undefined
  }
  if (response.status !== 201 || !body.api_key)
    throw new Error(`bootstrap failed with HTTP ${response.status}`)
  await writeFile(
    marker,
    JSON.stringify({ tenant_id: body.tenant_id, key_id: body.key_id, at: new Date().toISOString() }),
  )
  return body
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'error', msg: 'start failed', error: (error as Error).message }))
  void stop(1)
})
