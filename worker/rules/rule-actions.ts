import type { RunTrigger } from '../../schema/events'
import type { RuleAction } from '../../schema/rules/rule'
import type { RuleContext } from '../../schema/rules/rule-context'
import type { Target } from '../../schema/tasks/run-request'
import { renderParams, renderTemplate } from './rule-template'

type RunTaskAction = Extract<RuleAction, { kind: 'run_task' }>
type NotifyAction = Extract<RuleAction, { kind: 'notify' }>

/** A rule's `run_task` action with everything taken from the alert: what a run request needs. */
export interface RunPlan {
  taskId: string
  params: Record<string, string | number | boolean>
  target: Target
  strategy: RunTaskAction['strategy']
  failure: RunTaskAction['failure']
  deadlineSeconds: number
  trigger: Extract<RunTrigger, { kind: 'rule' }>
}

/** Why a rule could not act on an alert, in words the rule's author can act on. */
export class RuleActionError extends Error {
  override name = 'RuleActionError'
}

/** `web-1:9100` (Prometheus' `instance`) names the host `web-1`; an IPv6 `[::1]:9100` keeps its brackets' content. */
export const hostOf = (value: string) => {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value)
  if (bracketed) return bracketed[1] as string
  return value.replace(/:\d+$/, '')
}

/**
 * The run a `run_task` action asks for on this alert. Values from the alert never become
 * templates again: one holding `{{` (which the agent would read as a secret's name) is refused.
 */
export const planRun = (
  action: RunTaskAction,
  context: RuleContext,
  trigger: RunPlan['trigger'],
): RunPlan => {
  const params = renderParams(action.params, context)
  for (const [name, value] of Object.entries(params))
    if (typeof value === 'string' && value.includes('{{'))
      throw new RuleActionError(`parameter ${name}: a value from the alert holds "{{", which is not allowed`)
  let target: Target = action.target ?? {}
  if (action.target_label !== undefined) {
    const value = context.alert.labels[action.target_label]
    if (!value)
      throw new RuleActionError(`the alert has no label ${action.target_label} to find its agent by`)
    target = { ...target, hostname: hostOf(value) }
  }
  return {
    taskId: action.task_id,
    params,
    target,
    strategy: action.strategy,
    failure: action.failure,
    deadlineSeconds: action.deadline_seconds,
    trigger,
  }
}

/** Waits before each retry of a notification (ms); a notification gives up after the last. */
export const NOTIFY_RETRIES_MS = [10_000, 60_000, 300_000, 1_800_000]

/**
 * What a `notify` action posts: a Slack incoming-webhook message (`text`), or JSON with the
 * text, the rule, the transition and the alert as rules see it.
 */
export const planNotification = (
  action: NotifyAction,
  context: RuleContext,
  rule: { id: string; version: number },
): { url: string; body: string } => {
  const text = renderTemplate(action.text, context)
  const body =
    action.format === 'slack'
      ? { text }
      : {
          text,
          rule: { id: rule.id, version: rule.version },
          transition: context.transition,
          alert: context.alert,
        }
  return { url: action.url, body: JSON.stringify(body) }
}
