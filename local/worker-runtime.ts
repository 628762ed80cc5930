import { execFile } from 'node:child_process'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Miniflare, type WorkerOptions } from 'miniflare'

const run = promisify(execFile)

/**
 * Builds the production bundle exactly as `wrangler deploy` would (offline, `--dry-run`),
 * so what runs locally is what ships.
 */
export const buildWorker = async (root: string, outDir: string) => {
  await rm(outDir, { recursive: true, force: true })
  const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
  try {
    await run(
      process.execPath,
      [wrangler, 'deploy', '--dry-run', '--outdir', outDir, '--config', join(root, 'wrangler.toml')],
      {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      },
    )
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`building the Worker failed:\n${stdout}${stderr}`)
  }
}

/** The bundle's modules, entry first; listed explicitly because the bundle keeps optional dynamic imports it never runs. */
const bundleModules = async (outDir: string) => {
  const files = (await readdir(outDir)).filter((f) => f.endsWith('.js') || f.endsWith('.sql'))
  files.sort((a, b) => Number(b === 'index.js') - Number(a === 'index.js'))
  return Promise.all(
    files.map(async (file) => ({
      type: file.endsWith('.js') ? ('ESModule' as const) : ('Text' as const),
      path: join(outDir, file),
      contents: await readFile(join(outDir, file), 'utf8'),
    })),
  )
}

/**
 * wrangler.toml as Miniflare's worker options, read by wrangler in a child process: importing
 * wrangler here would keep about 180 MiB in the platform's own process for as long as it runs.
 */
const workerOptionsOf = async (root: string): Promise<WorkerOptions> => {
  const read =
    "import { unstable_getMiniflareWorkerOptions as read } from 'wrangler';" +
    `process.stdout.write(JSON.stringify(read(${JSON.stringify(join(root, 'wrangler.toml'))}).workerOptions))`
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', read], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    maxBuffer: 16 * 1024 * 1024,
  })
  return JSON.parse(stdout) as WorkerOptions
}

/**
 * Runs the bundle on workerd through Miniflare, with the bindings wrangler.toml declares
 * (SQLite-backed Durable Objects, R2, static assets) persisted under `persistDir`.
 */
export const startWorker = async (options: {
  root: string
  bundleDir: string
  persistDir: string
  port: number
  /** workerd's V8 inspector (DevTools protocol) on 127.0.0.1, when given. */
  inspectorPort?: number
  vars: Record<string, string>
}) => {
  const workerOptions = await workerOptionsOf(options.root)
  const miniflare = new Miniflare({
    ...workerOptions,
    name: 'sitewire',
    modulesRoot: options.bundleDir,
    modules: await bundleModules(options.bundleDir),
    bindings: { ...workerOptions.bindings, ...options.vars },
    host: '127.0.0.1',
    port: options.port,
    inspectorPort: options.inspectorPort,
    defaultPersistRoot: options.persistDir,
  })
  await miniflare.ready
  return miniflare
}
