import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

const root = resolve(import.meta.dirname, '..')
const web = join(root, 'web')
/** Where the console's typed API client takes its shapes from; generated, never committed. */
export const apiTypesPath = join(web, 'src', 'api', 'openapi.d.ts')
export const consoleDist = join(web, 'dist')

/**
 * Writes the API's types for the console from the OpenAPI document the Worker's own app
 * serves (itself generated from the valibot schemas in schema/), offline: no platform runs.
 */
export const generateApiTypes = async () => {
  const [{ app }, { setLogLevel }, { default: openapiTS, astToString }] = await Promise.all([
    import('../worker/app'),
    import('../worker/lib/log'),
    import('openapi-typescript'),
  ])
  setLogLevel('error')
  const document = await (await app.request('/v1/openapi.json')).text()
  const types = `/** Generated from /v1/openapi.json by local/console-build.ts: do not edit. */\n${astToString(await openapiTS(document))}`
  const current = existsSync(apiTypesPath) ? await readFile(apiTypesPath, 'utf8') : ''
  if (current !== types) {
    await mkdir(join(apiTypesPath, '..'), { recursive: true })
    await writeFile(apiTypesPath, types)
  }
}

/** Builds the console (and copies the API reference's renderer) into web/dist. */
export const buildConsole = async () => {
  await generateApiTypes()
  const { build } = await import('vite')
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' })
}

const newestChange = async (path: string): Promise<number> => {
  const info = await stat(path)
  if (!info.isDirectory()) return info.mtimeMs
  const entries = await readdir(path)
  const times = await Promise.all(
    entries.filter((name) => name !== 'openapi.d.ts').map((name) => newestChange(join(path, name))),
  )
  return Math.max(info.mtimeMs, ...times)
}

/**
 * Builds the console unless web/dist is newer than every source it comes from. The build runs
 * in a process of its own: vite and the Worker's app, loaded for it, would otherwise stay in
 * the memory of the process that asked (the platform's start script, for as long as it runs).
 */
export const ensureConsoleBuilt = async () => {
  const built = join(consoleDist, 'index.html')
  if (existsSync(built)) {
    const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((name) => join(web, name))
    const newest = Math.max(
      ...(await Promise.all(sources.map(newestChange))),
      (await stat(join(root, 'package-lock.json'))).mtimeMs,
    )
    if ((await stat(built)).mtimeMs > newest) return false
  }
  const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href
  await run(process.execPath, ['--import', tsx, fileURLToPath(import.meta.url)], { cwd: root })
  return true
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--types-only')) await generateApiTypes()
  else await buildConsole()
}
