import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import * as v from 'valibot'
import { CliError, issueLines } from './errors'

/** How the CLI proves who it is: an API key, or the cookie of a session opened with a password. */
export const Credentials = v.variant('type', [
  v.object({ type: v.literal('key'), key: v.pipe(v.string(), v.minLength(1)) }),
  v.object({
    type: v.literal('session'),
    cookie: v.pipe(v.string(), v.minLength(1)),
    email: v.string(),
    expires_at: v.string(),
  }),
])
export type Credentials = v.InferOutput<typeof Credentials>

/** A named platform (and tenant, through its credentials), with the site commands default to. */
export const Context = v.object({
  url: v.pipe(v.string(), v.url()),
  credentials: v.optional(Credentials),
  site: v.optional(v.string()),
})
export type Context = v.InferOutput<typeof Context>

export const ConfigFile = v.object({
  current: v.nullable(v.string()),
  contexts: v.record(v.string(), Context),
})
export type ConfigFile = v.InferOutput<typeof ConfigFile>

const EMPTY: ConfigFile = { current: null, contexts: {} }

/** `$XDG_CONFIG_HOME/sitewire`, else `~/.config/sitewire`. */
export const configDir = (env: NodeJS.ProcessEnv = process.env) =>
  env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'sitewire') : join(homedir(), '.config', 'sitewire')

export const configPath = (dir: string) => join(dir, 'config.json')

export const readConfig = async (dir: string): Promise<ConfigFile> => {
  const path = configPath(dir)
  if (!existsSync(path)) return structuredClone(EMPTY)
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
  const result = v.safeParse(ConfigFile, json)
  if (!result.success) throw new CliError(`${path} is not a Sitewire config`, 1, issueLines(result.issues))
  return result.output
}

/**
 * Writes the config with mode 0600 in a directory of mode 0700: it holds credentials. The file
 * is written aside and renamed, so a crash never leaves half a config.
 */
export const writeConfig = async (dir: string, config: ConfigFile) => {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = configPath(dir)
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 })
  await chmod(temporary, 0o600)
  await rename(temporary, path)
}

/** A context's default name: the platform's host and port. */
export const contextNameFor = (url: string) => new URL(url).host
