import * as v from 'valibot'
import { RequestRunBody } from '../api/runs'
import { Ulid } from '../common'
import { Target } from '../tasks/run-request'
import { ParamValues } from '../tasks/task'
import { RuleTransition } from './rule-context'

/**
 * What a rule does when it matches:
 * - `run_task`: requests a run of the task. String `params` are templates over the alert
 *   (`{{ alert.labels.instance }}`). Targets: `target` as a run takes it, and/or `target_label`,
 *   an alert label whose value names the agent by hostname (a `:port` suffix is dropped, so
 *   Prometheus' `instance` = `web-1:9100` means the agent on host `web-1`).
 * - `notify`: posts `text` (a template over the alert) to `url`: as a Slack incoming webhook
 *   message (`format: slack`), or as JSON with the alert (`format: json`). Delivered after the
 *   match is stored, retried with backoff; the URL is part of the rule, visible to whoever may
 *   read the site's rules and events.
 * - `resolve`: resolves the alert (for alerts that only need recording).
 */
export const RuleAction = v.variant('kind', [
  v.pipe(
    v.strictObject({
      kind: v.literal('run_task'),
      task_id: Ulid,
      params: v.optional(ParamValues, {}),
      target: v.optional(Target),
      target_label: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
      strategy: RequestRunBody.entries.strategy,
      failure: RequestRunBody.entries.failure,
      deadline_seconds: v.optional(RequestRunBody.entries.deadline_seconds.wrapped, 3600),
    }),
    v.check(
      (action) => action.target !== undefined || action.target_label !== undefined,
      'give `target`, `target_label`, or both',
    ),
  ),
  v.strictObject({
    kind: v.literal('notify'),
    url: v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//, 'an http(s) URL'), v.maxLength(2048)),
    format: v.optional(v.picklist(['slack', 'json']), 'json'),
    text: v.optional(
      v.pipe(v.string(), v.minLength(1), v.maxLength(4000)),
      '[{{ alert.severity }}] {{ alert.name }}: {{ alert.summary }}',
    ),
  }),
  v.strictObject({ kind: v.literal('resolve') }),
])
export type RuleAction = v.InferOutput<typeof RuleAction>

/**
 * A rule: on the `on` transitions of an alert, when its CEL `expression` holds, it acts, at
 * most once per episode, and no more often than `throttle` says: per rule, and per alert series.
 */
export const RuleDefinition = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200)),
  expression: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
  on: v.pipe(v.array(RuleTransition), v.minLength(1)),
  action: RuleAction,
  throttle: v.object({
    rule_seconds: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(86_400)),
    fingerprint_seconds: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(7 * 86_400)),
  }),
  enabled: v.boolean(),
})
export type RuleDefinition = v.InferOutput<typeof RuleDefinition>
