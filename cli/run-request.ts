import type { RequestRunBody } from '../schema/api/runs'
import { RequestRunBody as RequestRunBodySchema } from '../schema/api/runs'
import { typedParams } from '../schema/tasks/param-text'
import type { Target } from '../schema/tasks/run-request'
import type { ParamSpec, ParamValue } from '../schema/tasks/task'
import { CliError, EXIT, parseInput } from './errors'
import { countOrPercent, keyValues } from './pairs'

/** The options that name a run's agents, repeated as `--agent`, `--label`, or a fact. */
export interface TargetOptions {
  agent?: string[]
  label?: string[]
  os?: string
  arch?: string
  hostname?: string
}

/** How a run goes: `--strategy`, `--concurrency`/`--batch`, `--failure`, `--deadline`, `--at`, `--from-step`. */
export interface RunOptions extends TargetOptions {
  param?: string[]
  strategy?: string
  concurrency?: string
  batch?: string
  failure?: string
  deadline?: string
  at?: string
  fromStep?: string
}

/** The target the options name; only what was given. */
export const targetOf = (options: TargetOptions): Partial<Target> => ({
  ...(options.agent?.length ? { agent_ids: options.agent } : {}),
  ...(options.label?.length ? { labels: keyValues(options.label, 'label') } : {}),
  ...(options.os ? { os_family: options.os } : {}),
  ...(options.arch ? { arch: options.arch } : {}),
  ...(options.hostname ? { hostname: options.hostname } : {}),
})

/** `-p name=value` pairs typed by the task's parameters (see `typedParams`); a usage error otherwise. */
export const paramValues = (
  pairs: readonly string[],
  specs: readonly ParamSpec[],
): Record<string, ParamValue> => {
  const typed = typedParams(keyValues(pairs, 'parameter'), specs)
  if (!typed.ok) throw new CliError(typed.problem, EXIT.usage, typed.hint ? [typed.hint] : [])
  return typed.values
}

/** `continue`, `stop`, or `budget:N` / `budget:25%`. */
const failureOf = (text: string) => {
  if (text.startsWith('budget:'))
    return { policy: 'budget', budget: countOrPercent(text.slice('budget:'.length)) }
  return { policy: text }
}

const strategyOf = (options: RunOptions) => {
  const mode = options.strategy ?? (options.batch ? 'rolling' : 'parallel')
  if (mode === 'rolling') return { mode, batch: countOrPercent(options.batch ?? '1') }
  return { mode, ...(options.concurrency ? { concurrency: Number(options.concurrency) } : {}) }
}

/** The body of `POST …/tasks/{id}/runs`, checked with the API's own schema before it is sent. */
export const runRequestOf = (options: RunOptions, specs: readonly ParamSpec[]): RequestRunBody =>
  parseInput(
    RequestRunBodySchema,
    {
      params: paramValues(options.param ?? [], specs),
      target: targetOf(options),
      strategy: strategyOf(options),
      ...(options.failure ? { failure: failureOf(options.failure) } : {}),
      ...(options.deadline ? { deadline_seconds: Number(options.deadline) } : {}),
      ...(options.at ? { at: options.at } : {}),
      ...(options.fromStep ? { from_step: Number(options.fromStep) } : {}),
    },
    'run request',
  )
