import * as v from 'valibot'
import { Ulid } from '../common'
import { RuleDefinition } from '../rules/rule'
import { RuleTransition } from '../rules/rule-context'

const Version = v.pipe(v.number(), v.integer(), v.minValue(1))

/** Data of `io.sitewire.rule.created` and `.updated`: each change is a new version. */
export const RuleVersioned = v.object({ rule_id: Ulid, version: Version, definition: RuleDefinition })

/** Data of `io.sitewire.rule.deleted`. */
export const RuleRef = v.object({ rule_id: Ulid })

/** What a rule's match came to. */
export const RuleOutcome = v.picklist(['started', 'resolved', 'notifying', 'notified', 'throttled', 'failed'])
export type RuleOutcome = v.InferOutput<typeof RuleOutcome>

/**
 * Data of `io.sitewire.rule.triggered`, about the alert: a rule matched one of its transitions,
 * and what came of it: the run it started, or why none was.
 */
export const RuleTriggered = v.object({
  rule_id: Ulid,
  rule_version: Version,
  alert_id: Ulid,
  episode: v.pipe(v.number(), v.integer(), v.minValue(1)),
  fingerprint: v.string(),
  transition: RuleTransition,
  delivery_id: v.nullable(Ulid),
  outcome: RuleOutcome,
  run_id: v.nullable(Ulid),
  error: v.nullable(v.string()),
  /** For `notifying`: what is posted where; delivered after the match is stored. */
  notification: v.optional(v.object({ url: v.string(), body: v.string() })),
})
export type RuleTriggered = v.InferOutput<typeof RuleTriggered>

/**
 * Data of `io.sitewire.rule.notified`, about the alert: one attempt to post a rule's
 * notification (the trigger's `seq`), its HTTP status, or the error; `delivered` ends the retries.
 */
export const RuleNotified = v.object({
  trigger_seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  rule_id: Ulid,
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
  status: v.nullable(v.number()),
  error: v.nullable(v.string()),
  delivered: v.boolean(),
})
