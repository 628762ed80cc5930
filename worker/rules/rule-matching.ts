import type { RuleTriggered } from '../../schema/events'
import { EventType } from '../../schema/events'
import type { RuleContext } from '../../schema/rules/rule-context'
import type { AlertRow } from '../alerts/alert-book'
import { ApiError } from '../http/errors'
import { errorMessage } from '../lib/log'
import type { SiteKernel } from '../site/feature'
import { planNotification, planRun } from './rule-actions'
import type { RuleBook, RuleRow } from './rule-book'
import { compileRuleExpression, type RuleMatcher } from './rule-expression'
import { contextOf, type Heard } from './rule-transitions'
import type { SiteRulesPorts } from './site-rules'

type Result = Pick<RuleTriggered, 'outcome' | 'run_id' | 'error' | 'notification'>

/**
 * What the enabled rules do about one alert transition: each whose expression holds acts once
 * per episode and transition, within its throttles, and every match is recorded on the alert
 * (`rule.triggered`) with what came of it.
 */
export class RuleMatching {
  /** Compiled expressions by rule id and version. */
  private readonly matchers = new Map<string, RuleMatcher>()
  /** The enabled rules, read once per change of any rule: every alert transition goes through them. */
  private enabled: RuleRow[] | null = null

  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: RuleBook,
    private readonly ports: SiteRulesPorts,
  ) {}

  /** A rule was saved or deleted: the enabled rules are read again when next needed. */
  changed() {
    this.enabled = null
  }

  answer(hearing: Heard) {
    const alert = this.ports.alert(hearing.alertId)
    if (!alert) return
    const context = contextOf(alert, hearing.transition)
    const now = this.kernel.now()
    // Most rules do not match most alerts: the expression is asked first, the tables only after.
    for (const rule of this.enabledRules()) {
      const { definition } = rule
      if (!definition.on.includes(hearing.transition)) continue
      let matched = false
      let failure: string | undefined
      try {
        matched = this.matcher(rule)(context)
      } catch (error) {
        failure = errorMessage(error)
      }
      if (!matched && failure === undefined) continue
      if (this.book.answered(rule.id, alert.id, alert.episode, hearing.transition)) continue
      if (failure !== undefined) {
        this.record(rule, alert, hearing, { outcome: 'failed', run_id: null, error: failure })
        continue
      }
      const lastRule = this.book.lastActed(rule.id)
      const lastSeries = this.book.lastActed(rule.id, alert.fingerprint)
      if (
        (lastRule !== undefined && now - lastRule < definition.throttle.rule_seconds * 1000) ||
        (lastSeries !== undefined && now - lastSeries < definition.throttle.fingerprint_seconds * 1000)
      ) {
        this.record(rule, alert, hearing, { outcome: 'throttled', run_id: null, error: null })
        continue
      }
      this.record(rule, alert, hearing, this.act(rule, alert, hearing, context))
    }
  }

  private act(rule: RuleRow, alert: AlertRow, hearing: Heard, context: RuleContext): Result {
    const action = rule.definition.action
    try {
      if (action.kind === 'resolve') {
        if (alert.status === 'firing') this.ports.resolve(alert, `rule/${rule.id}`)
        return { outcome: 'resolved', run_id: null, error: null }
      }
      if (action.kind === 'notify') {
        const notification = planNotification(action, context, rule)
        return { outcome: 'notifying', run_id: null, error: null, notification }
      }
      const plan = planRun(action, context, {
        kind: 'rule',
        rule_id: rule.id,
        rule_version: rule.version,
        alert_id: alert.id,
        episode: alert.episode,
        delivery_id: hearing.deliveryId,
      })
      const reply = this.ports.runs.requestRun(
        plan.taskId,
        {
          params: plan.params,
          target: plan.target,
          strategy: plan.strategy,
          failure: plan.failure,
          deadline_seconds: plan.deadlineSeconds,
          from_step: 0,
        },
        `rule/${rule.id}`,
        undefined,
        plan.trigger,
      )
      return { outcome: 'started', run_id: reply.body.id, error: null }
    } catch (error) {
      const message = error instanceof ApiError ? `${error.code}: ${error.message}` : errorMessage(error)
      return { outcome: 'failed', run_id: null, error: message.slice(0, 1000) }
    }
  }

  private record(rule: RuleRow, alert: AlertRow, hearing: Heard, result: Result) {
    this.kernel.record(
      [
        {
          type: EventType.ruleTriggered,
          data: {
            rule_id: rule.id,
            rule_version: rule.version,
            alert_id: alert.id,
            episode: alert.episode,
            fingerprint: alert.fingerprint,
            transition: hearing.transition,
            delivery_id: hearing.deliveryId,
            ...result,
          },
        },
      ],
      alert.id,
      `rule/${rule.id}`,
    )
  }

  private enabledRules() {
    this.enabled ??= this.book.enabled()
    return this.enabled
  }

  private matcher(rule: RuleRow): RuleMatcher {
    const key = `${rule.id}/${rule.version}`
    let matcher = this.matchers.get(key)
    if (!matcher) {
      matcher = compileRuleExpression(rule.definition.expression)
      this.matchers.set(key, matcher)
    }
    return matcher
  }
}
