import * as v from 'valibot'
import { Labels } from '../common'
import { Step } from './steps'

/** A parameter a task takes; its value fills `{{ params.NAME }}` in the steps. */
export const ParamSpec = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a parameter name such as version')),
  type: v.picklist(['string', 'number', 'boolean']),
  required: v.optional(v.boolean(), false),
  default: v.optional(v.union([v.pipe(v.string(), v.maxLength(4096)), v.number(), v.boolean()])),
  /** When given, the value must be one of these. */
  choices: v.optional(v.pipe(v.array(v.union([v.string(), v.number()])), v.minLength(1), v.maxLength(100))),
  description: v.optional(v.pipe(v.string(), v.maxLength(500))),
})
export type ParamSpec = v.InferOutput<typeof ParamSpec>
export type ParamValue = string | number | boolean
export const ParamValues = v.pipe(
  v.record(v.string(), v.union([v.pipe(v.string(), v.maxLength(4096)), v.number(), v.boolean()])),
  v.maxEntries(64),
)

/**
 * What happens when a task is started while a run of it is still going: `queue` waits for
 * it (the queue is visible), `skip` records the new run as skipped, `allow` runs alongside.
 */
export const ConcurrencyPolicy = v.picklist(['queue', 'skip', 'allow'])
export type ConcurrencyPolicy = v.InferOutput<typeof ConcurrencyPolicy>

/** A task as written: everything a new version replaces. */
export const TaskDefinition = v.pipe(
  v.strictObject({
    name: v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(200)),
    description: v.optional(v.pipe(v.string(), v.maxLength(4000)), ''),
    labels: v.optional(Labels, {}),
    params: v.optional(v.pipe(v.array(ParamSpec), v.maxLength(64)), []),
    steps: v.pipe(v.array(Step), v.minLength(1, 'a task has at least one step'), v.maxLength(50)),
    concurrency: v.optional(ConcurrencyPolicy, 'queue'),
  }),
  v.check(
    (task) => new Set(task.params.map((p) => p.name)).size === task.params.length,
    'parameter names must be unique',
  ),
)
export type TaskDefinition = v.InferOutput<typeof TaskDefinition>
