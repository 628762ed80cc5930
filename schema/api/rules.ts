import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { RuleOutcome } from '../events/rule'
import { RuleAction, RuleDefinition } from '../rules/rule'
import { RuleTransition } from '../rules/rule-context'

const Throttle = v.strictObject({
  /** The rule acts at most once in this many seconds, on any alert. */
  rule_seconds: v.optional(RuleDefinition.entries.throttle.entries.rule_seconds, 0),
  /** …and at most once in this many seconds on one alert series. */
  fingerprint_seconds: v.optional(RuleDefinition.entries.throttle.entries.fingerprint_seconds, 300),
})

/** `POST …/rules`: the expression is checked when saved; an error says where it is. */
export const CreateRuleBody = v.strictObject({
  name: RuleDefinition.entries.name,
  expression: RuleDefinition.entries.expression,
  on: v.optional(RuleDefinition.entries.on, ['fired', 'refired']),
  action: RuleAction,
  throttle: v.optional(Throttle, { rule_seconds: 0, fingerprint_seconds: 300 }),
  enabled: v.optional(v.boolean(), true),
})
export type CreateRuleBody = v.InferOutput<typeof CreateRuleBody>

/** `PATCH …/rules/{id}`: any field; a new version. */
export const UpdateRuleBody = v.pipe(
  v.strictObject({
    name: v.optional(RuleDefinition.entries.name),
    expression: v.optional(RuleDefinition.entries.expression),
    on: v.optional(RuleDefinition.entries.on),
    action: v.optional(RuleAction),
    throttle: v.optional(Throttle),
    enabled: v.optional(v.boolean()),
  }),
  v.check((body) => Object.keys(body).length > 0, 'give at least one field to change'),
)
export type UpdateRuleBody = v.InferOutput<typeof UpdateRuleBody>

export const Rule = v.object({
  id: Ulid,
  site_id: Ulid,
  version: v.number(),
  ...RuleDefinition.entries,
  created_at: Timestamp,
  created_by: v.string(),
  updated_at: Timestamp,
})
export type Rule = v.InferOutput<typeof Rule>
export const RulePage = pageOf(Rule)

/** One version of a rule, as it was saved. */
export const RuleVersion = v.object({
  version: v.number(),
  saved_at: Timestamp,
  saved_by: v.string(),
  definition: RuleDefinition,
})
export const RuleVersionList = v.object({ items: v.array(RuleVersion) })
export type RuleVersion = v.InferOutput<typeof RuleVersion>

/** One match of a rule on an alert's transition, and what came of it (with the run's status now). */
export const RuleTrigger = v.object({
  seq: v.number(),
  rule_id: Ulid,
  rule_version: v.number(),
  alert_id: Ulid,
  fingerprint: v.string(),
  episode: v.number(),
  transition: RuleTransition,
  outcome: RuleOutcome,
  run_id: v.nullable(Ulid),
  run_status: v.nullable(v.string()),
  error: v.nullable(v.string()),
  at: Timestamp,
})
export type RuleTrigger = v.InferOutput<typeof RuleTrigger>
export const RuleTriggerPage = pageOf(RuleTrigger)

export const TriggersQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'a cursor from a previous page'))),
})
export type TriggersQuery = v.InferOutput<typeof TriggersQuery>

/**
 * `POST …/rules/backtest`: a rule as it is (`rule_id`), as it would be with `changes`, or a new
 * one (`rule`), run against the deliveries recorded from `since` to `until`. Nothing is started.
 */
export const BacktestBody = v.pipe(
  v.strictObject({
    rule_id: v.optional(Ulid),
    changes: v.optional(UpdateRuleBody),
    rule: v.optional(CreateRuleBody),
    since: Timestamp,
    until: Timestamp,
  }),
  v.check(
    (body) => (body.rule_id === undefined) !== (body.rule === undefined),
    'give either `rule_id` or `rule`',
  ),
  v.check((body) => body.changes === undefined || body.rule_id !== undefined, '`changes` apply to `rule_id`'),
  v.check((body) => Date.parse(body.until) > Date.parse(body.since), '`until` must be after `since`'),
)
export type BacktestBody = v.InferOutput<typeof BacktestBody>

/** What the rule would have done on one alert transition. */
export const BacktestMatch = v.object({
  at: Timestamp,
  delivery_id: Ulid,
  fingerprint: v.string(),
  name: v.string(),
  labels: v.record(v.string(), v.string()),
  episode: v.number(),
  transition: RuleTransition,
  /** `would_act`: a `resolve` or `notify` action would have run. */
  outcome: v.picklist(['would_start', 'would_act', 'throttled', 'failed']),
  run: v.nullable(
    v.object({
      task_id: Ulid,
      params: v.record(v.string(), v.union([v.string(), v.number(), v.boolean()])),
      target: v.record(v.string(), v.unknown()),
      /** Agents that match the target now. */
      agents: v.number(),
    }),
  ),
  error: v.nullable(v.string()),
})
export type BacktestMatch = v.InferOutput<typeof BacktestMatch>

export const BacktestResult = v.object({
  deliveries: v.number(),
  /** Deliveries whose integration is gone or whose body its sender no longer reads. */
  unreadable: v.number(),
  /** Whether the window held more deliveries than one backtest reads. */
  truncated: v.boolean(),
  transitions: v.number(),
  would_start: v.number(),
  matches: v.array(BacktestMatch),
})
export type BacktestResult = v.InferOutput<typeof BacktestResult>
