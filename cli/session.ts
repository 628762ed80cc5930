import type { Command } from 'commander'
import { ApiClient } from './api-client'
import { type ConfigFile, type Context, configDir, readConfig, writeConfig } from './config-file'
import { CliError, EXIT } from './errors'
import { type Format, Printer, type Streams } from './output'

/** Options every command takes. */
export interface GlobalOptions {
  url?: string
  context?: string
  site?: string
  json?: boolean
  yaml?: boolean
  quiet?: boolean
}

/** The platform a command talks to, once flags, environment and config are weighed. */
export interface ChosenPlatform {
  /** The config context in use, when one is. */
  contextName: string | undefined
  context: Context | undefined
  url: string | undefined
  client: ApiClient | undefined
  site: string | undefined
}

/**
 * Chooses the platform and credentials. Precedence: `--url`/`SITEWIRE_URL` over the context's
 * URL, `SITEWIRE_KEY` over the context's credentials, `--site`/`SITEWIRE_SITE` over its site;
 * the context is `--context`, else `SITEWIRE_CONTEXT`, else the current one. Under an overriding
 * URL, a context for that same URL still lends its credentials.
 */
export const choosePlatform = (
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  config: ConfigFile,
): ChosenPlatform => {
  const named = options.context ?? env.SITEWIRE_CONTEXT
  if (named !== undefined && !config.contexts[named]) {
    throw new CliError(`no context named ${named}`, EXIT.usage, ['see `sitewire context list`'])
  }
  const url = options.url ?? env.SITEWIRE_URL
  let contextName = named ?? config.current ?? undefined
  if (url !== undefined && named === undefined) {
    contextName = Object.entries(config.contexts).find(([, context]) => sameUrl(context.url, url))?.[0]
  }
  const context = contextName === undefined ? undefined : config.contexts[contextName]
  const effectiveUrl = url ?? context?.url
  const credentials = env.SITEWIRE_KEY
    ? { type: 'key' as const, key: env.SITEWIRE_KEY }
    : context?.credentials
  return {
    contextName: context ? contextName : undefined,
    context,
    url: effectiveUrl,
    client: effectiveUrl === undefined ? undefined : new ApiClient(effectiveUrl, credentials),
    site: options.site ?? env.SITEWIRE_SITE ?? context?.site,
  }
}

const sameUrl = (a: string, b: string) => new URL(a).origin === new URL(b).origin

const formatOf = (options: GlobalOptions): Format =>
  options.json ? 'json' : options.yaml ? 'yaml' : options.quiet ? 'quiet' : 'table'

/** What a command's action works with: output, config and the platform. */
export class Session {
  readonly printer: Printer
  private chosen: ChosenPlatform | undefined

  constructor(
    readonly options: GlobalOptions,
    readonly env: NodeJS.ProcessEnv,
    streams: Streams,
  ) {
    this.printer = new Printer(formatOf(options), streams)
  }

  get configDir() {
    return configDir(this.env)
  }

  readConfig() {
    return readConfig(this.configDir)
  }

  writeConfig(config: ConfigFile) {
    return writeConfig(this.configDir, config)
  }

  async resolve(): Promise<ChosenPlatform> {
    this.chosen ??= choosePlatform(this.options, this.env, await this.readConfig())
    return this.chosen
  }

  /** The API, or a hint to log in. */
  async api(): Promise<ApiClient> {
    const { client } = await this.resolve()
    if (!client) {
      throw new CliError('no platform chosen', EXIT.usage, [
        'run `sitewire login <url>`, or set SITEWIRE_URL and SITEWIRE_KEY',
      ])
    }
    return client
  }

  /** The site a site-scoped command acts on. */
  async site(): Promise<string> {
    const { site } = await this.resolve()
    if (!site) {
      throw new CliError('no site chosen', EXIT.usage, [
        'pass --site <id>, set SITEWIRE_SITE, or pick one with `sitewire sites use <id>`',
      ])
    }
    return site
  }

  /** `/v1/sites/{site}` plus `rest`. */
  async sitePath(rest = '') {
    return `/v1/sites/${encodeURIComponent(await this.site())}${rest}`
  }
}

/** Streams the CLI writes to; the REPL and tests may swap them. */
export const defaultStreams: Streams = { out: process.stdout, err: process.stderr }

/** The session for a command's action, from its options and its ancestors'. */
export const sessionOf = (command: Command) =>
  new Session(command.optsWithGlobals<GlobalOptions>(), process.env, defaultStreams)
