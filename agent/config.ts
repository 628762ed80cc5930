import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as v from 'valibot'
import { MAX_FRAME_BYTES } from '../schema/agent/protocol'
import { Labels } from '../schema/common'
import { AgentError } from './errors'
import { LOG_LEVELS } from './log'
import { defaultStateDir, statePaths } from './state-dir'

/** Settings a config file, the environment or flags may give; each layer names some of them. */
export const ConfigLayer = v.strictObject({
  /** The platform's base URL; overrides the one the enrolment token named. */
  url: v.optional(
    v.pipe(
      v.string(),
      v.url('must be a URL such as https://sitewire.example.com'),
      v.regex(/^https?:\/\//, 'must be an http:// or https:// URL'),
    ),
  ),
  state_dir: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
  labels: v.optional(Labels),
  /** Without it, the agent refreshes facts as often as the platform's welcome says. */
  facts_interval_seconds: v.optional(
    v.pipe(
      v.number('must be a number of seconds'),
      v.integer('must be whole seconds'),
      v.minValue(1, 'must be at least 1 second'),
      v.maxValue(86_400, 'must be at most a day'),
    ),
  ),
  /** How often the resources the agent keeps are checked for drift. */
  resources_interval_seconds: v.optional(
    v.pipe(
      v.number('must be a number of seconds'),
      v.integer('must be whole seconds'),
      v.minValue(1, 'must be at least 1 second'),
      v.maxValue(86_400, 'must be at most a day'),
    ),
  ),
  /** The `systemctl` the `SystemdUnit` kind runs (default: the one on the PATH). */
  systemctl: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
  /** Where the `SystemdUnit` kind writes unit files (default: /etc/systemd/system). */
  systemd_unit_dir: v.optional(v.pipe(v.string(), v.regex(/^\//, 'must be an absolute path'))),
  spool_max_bytes: v.optional(
    v.pipe(
      v.number('must be a number of bytes'),
      v.integer('must be whole bytes'),
      v.minValue(MAX_FRAME_BYTES, `must hold at least one frame (${MAX_FRAME_BYTES} bytes)`),
    ),
  ),
  log_level: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`)),
})
export type ConfigLayer = v.InferOutput<typeof ConfigLayer>

export type AgentConfig = Required<
  Pick<ConfigLayer, 'state_dir' | 'labels' | 'spool_max_bytes' | 'log_level'>
> &
  Pick<
    ConfigLayer,
    'url' | 'facts_interval_seconds' | 'resources_interval_seconds' | 'systemctl' | 'systemd_unit_dir'
  > & { config_path: string }

/** What the CLI's options hold, as commander gives them. */
export interface ConfigFlags {
  config?: string
  stateDir?: string
  url?: string
  label?: string[]
  factsInterval?: string
  resourcesInterval?: string
  systemctl?: string
  systemdUnitDir?: string
  spoolMaxBytes?: string
  logLevel?: string
}

export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024

/** `k=v` pairs, from `--label` or `SITEWIRE_AGENT_LABELS=k=v,k2=v2`. */
export const parseLabels = (pairs: string[]): Record<string, string> =>
  Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=')
      if (at < 1) throw new AgentError(`a label is key=value, not "${pair}"`)
      return [pair.slice(0, at), pair.slice(at + 1)]
    }),
  )

const toNumber = (text: string | undefined) => (text === undefined || text === '' ? undefined : Number(text))
const present = (text: string | undefined) => (text === '' ? undefined : text)

type SettingNames = Record<keyof ConfigLayer, string>

/** Checks one layer; an error names the setting as that layer spells it. */
const checked = (
  layer: Record<string, unknown>,
  names: SettingNames | undefined,
  source: string,
): ConfigLayer => {
  const defined = Object.fromEntries(Object.entries(layer).filter(([, value]) => value !== undefined))
  const parsed = v.safeParse(ConfigLayer, defined)
  if (parsed.success) return parsed.output
  const problems = parsed.issues.map((issue) => {
    const path = v.getDotPath(issue) ?? ''
    const key = path.split('.')[0] as keyof ConfigLayer
    return `${names?.[key] ?? path}: ${issue.message}`
  })
  throw new AgentError(`invalid ${source}: ${problems.join('; ')}`)
}

const ENVIRONMENT_NAMES: SettingNames = {
  url: 'SITEWIRE_AGENT_URL',
  state_dir: 'SITEWIRE_AGENT_STATE_DIR',
  labels: 'SITEWIRE_AGENT_LABELS',
  facts_interval_seconds: 'SITEWIRE_AGENT_FACTS_INTERVAL',
  resources_interval_seconds: 'SITEWIRE_AGENT_RESOURCES_INTERVAL',
  systemctl: 'SITEWIRE_AGENT_SYSTEMCTL',
  systemd_unit_dir: 'SITEWIRE_AGENT_SYSTEMD_UNIT_DIR',
  spool_max_bytes: 'SITEWIRE_AGENT_SPOOL_MAX_BYTES',
  log_level: 'SITEWIRE_AGENT_LOG_LEVEL',
}

const FLAG_NAMES: SettingNames = {
  url: '--url',
  state_dir: '--state-dir',
  labels: '--label',
  facts_interval_seconds: '--facts-interval',
  resources_interval_seconds: '--resources-interval',
  systemctl: '--systemctl',
  systemd_unit_dir: '--systemd-unit-dir',
  spool_max_bytes: '--spool-max-bytes',
  log_level: '--log-level',
}

const fromEnvironment = (env: NodeJS.ProcessEnv) =>
  checked(
    {
      url: present(env.SITEWIRE_AGENT_URL),
      state_dir: present(env.SITEWIRE_AGENT_STATE_DIR),
      labels: env.SITEWIRE_AGENT_LABELS ? parseLabels(env.SITEWIRE_AGENT_LABELS.split(',')) : undefined,
      facts_interval_seconds: toNumber(env.SITEWIRE_AGENT_FACTS_INTERVAL),
      resources_interval_seconds: toNumber(env.SITEWIRE_AGENT_RESOURCES_INTERVAL),
      systemctl: present(env.SITEWIRE_AGENT_SYSTEMCTL),
      systemd_unit_dir: present(env.SITEWIRE_AGENT_SYSTEMD_UNIT_DIR),
      spool_max_bytes: toNumber(env.SITEWIRE_AGENT_SPOOL_MAX_BYTES),
      log_level: present(env.SITEWIRE_AGENT_LOG_LEVEL),
    },
    ENVIRONMENT_NAMES,
    'environment',
  )

const fromFlags = (flags: ConfigFlags) =>
  checked(
    {
      url: flags.url,
      state_dir: flags.stateDir,
      labels: flags.label && parseLabels(flags.label),
      facts_interval_seconds: toNumber(flags.factsInterval),
      resources_interval_seconds: toNumber(flags.resourcesInterval),
      systemctl: flags.systemctl,
      systemd_unit_dir: flags.systemdUnitDir,
      spool_max_bytes: toNumber(flags.spoolMaxBytes),
      log_level: flags.logLevel,
    },
    FLAG_NAMES,
    'options',
  )

const fromFile = (path: string, required: boolean): ConfigLayer => {
  if (!existsSync(path)) {
    if (required) throw new AgentError(`the config file ${path} does not exist`)
    return {}
  }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new AgentError(`the config file ${path} is not readable JSON: ${(error as Error).message}`)
  }
  return checked(json as Record<string, unknown>, undefined, `config file ${path}`)
}

/**
 * The agent's settings: defaults < config file < environment < flags. The config file is
 * `--config`, else `agent.json` in the state directory the environment or flags name.
 */
export const resolveConfig = (flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): AgentConfig => {
  const environment = fromEnvironment(env)
  const options = fromFlags(flags)
  const configPath =
    flags.config ?? statePaths(options.state_dir ?? environment.state_dir ?? defaultStateDir()).config
  const file = fromFile(configPath, flags.config !== undefined)
  const merged = { state_dir: defaultStateDir(), ...file, ...environment, ...options }
  return {
    labels: {},
    spool_max_bytes: DEFAULT_SPOOL_MAX_BYTES,
    log_level: 'info',
    ...merged,
    state_dir: resolve(merged.state_dir),
    config_path: configPath,
  }
}
