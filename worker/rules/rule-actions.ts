import type { RunTrigger } from '../../schema/events'
import type { RuleAction } from '../../schema/rules/rule'
import type { RuleContext } from '../../schema/rules/rule-context'
import type { Target } from '../../schema/tasks/run-request'
import { renderParams } from './rule-template'

/** A rule's `run_task` action with everything taken from the alert: what a run request needs. */
export interface RunPlan {
  taskId: string
  params: Record<string, string | number | boolean>
  target: Target
  strategy: Extract<RuleAction, { kind: 'run_task' }>['strategy']
  failure: Extract<RuleAction, { kind: 'run_task' }>['failure']
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
  action: Extract<RuleAction, { kind: 'run_task' }>,
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
