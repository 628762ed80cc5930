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
