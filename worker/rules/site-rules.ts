import { monotonicFactory } from 'ulid'
import type {
  BacktestBody,
  BacktestResult,
  CreateRuleBody,
  Rule,
  RuleTrigger,
  RuleVersion,
  TriggersQuery,
  UpdateRuleBody,
} from '../../schema/api/rules'
import { EventType, type LoggedEvent, type RuleTriggered, type SitewireEventBody } from '../../schema/events'
import type { RuleDefinition } from '../../schema/rules/rule'
import type { RuleContext, RuleTransition } from '../../schema/rules/rule-context'
import type { AlertRow } from '../alerts/alert-book'
import { ApiError, apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { errorMessage } from '../lib/log'
import { type Page, pageReply, toPage } from '../lib/paging'
import type { SiteRuns } from '../runs/site-runs'
import { matchTargets } from '../runs/targets'
import type { SiteFeature, SiteKernel } from '../site/feature'
import { planNotification, planRun } from './rule-actions'
import { type BacktestPorts, backtestRule } from './rule-backtest'
import { RuleBook, type RuleRow, type RuleTriggerRow } from './rule-book'
import { checkRuleExpression, compileRuleExpression, type RuleMatcher } from './rule-expression'
import { RuleNotifications } from './rule-notifications'

const nextId = monotonicFactory()

/** What the rules need beside the kernel: the alerts they hear about, and the runs they start. */
export interface SiteRulesPorts {
  alert: (alertId: string) => AlertRow | undefined
  /** A recorded delivery's alerts read again, and the silences holding labels at a time: for backtests. */
  backtest: Pick<BacktestPorts, 'reread' | 'silencing'>
  resolve: (alert: AlertRow, actor: string) => void
  runs: Pick<SiteRuns, 'requestRun'>
  runStatus: (runId: string) => string | undefined
}

/** An alert event a rule may answer: which alert, which of its transitions, from which delivery. */
interface Heard {
  alertId: string
  transition: RuleTransition
  deliveryId: string | null
}

const firingTransition = (episode: number): RuleTransition => (episode === 1 ? 'fired' : 'refired')

/**
 * The transition an alert event is for rules. An alert that fires inside a silence is not one;
 * leaving its last silence while still firing is, so a maintenance window delays, never swallows.
 */
const heard = (event: LoggedEvent, alert: (id: string) => AlertRow | undefined): Heard | undefined => {
  const body = { type: event.type, data: event.data } as SitewireEventBody
  switch (body.type) {
    case EventType.alertFired:
      if (body.data.silenced_by.length > 0) return undefined
      return {
        alertId: body.data.alert_id,
        transition: firingTransition(body.data.episode),
        deliveryId: body.data.delivery_id,
      }
    case EventType.alertResolved:
      if (body.data.reason === 'superseded' || body.data.reason === 'rule') return undefined
      return { alertId: body.data.alert_id, transition: 'resolved', deliveryId: body.data.delivery_id }
    case EventType.alertUnsilenced: {
      const row = alert(body.data.alert_id)
      if (row?.status !== 'firing' || row.silencedBy.length > 0) return undefined
      return { alertId: row.id, transition: firingTransition(row.episode), deliveryId: null }
    }
    default:
      return undefined
  }
}

const contextOf = (row: AlertRow, transition: RuleTransition): RuleContext => ({
  transition,
  alert: {
    fingerprint: row.fingerprint,
    name: row.name,
    summary: row.summary,
    status: row.status,
    severity: row.severity,
    labels: row.labels,
    annotations: row.annotations,
    source: row.kind,
    integration_id: row.integrationId,
    starts_at: row.startsAt,
    silenced: row.silencedBy.length > 0,
    episode: row.episode,
  },
})

/**
 * A site's alert rules: versioned like tasks; on an alert's transition each enabled rule whose
 * expression holds acts once per episode and transition, within its throttles, and records
 * what came of it (`rule.triggered`, about the alert): the lineage from delivery to run.
 */
export class SiteRules implements SiteFeature {
  readonly name = 'rules'
  private readonly book: RuleBook
  private readonly notifications: RuleNotifications
  /** Compiled expressions by rule id and version. */
  private readonly matchers = new Map<string, RuleMatcher>()

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteRulesPorts,
  ) {
    this.book = new RuleBook(kernel.db)
    this.notifications = new RuleNotifications(kernel, this.book)
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
    if (event.type === EventType.ruleTriggered || event.type === EventType.ruleNotified)
      this.notifications.changed()
  }

  due() {
    return this.notifications.due()
  }

  work() {
    return this.notifications.deliver()
  }

  react(events: readonly LoggedEvent[]) {
    for (const event of events) {
      const hearing = heard(event, this.ports.alert)
      if (hearing) this.answer(hearing)
    }
    return undefined
  }

  // Commands

  create(input: CreateRuleBody, actor: string, idempotency?: IdempotencyClaim): Reply<Rule> {
    this.kernel.scope.active()
    const definition: RuleDefinition = { ...input }
    this.checkDefinition(definition)
    const ruleId = nextId()
    return this.commit(idempotency, ruleId, actor, 201, {
      type: EventType.ruleCreated,
      data: { rule_id: ruleId, version: 1, definition },
    })
  }

  update(ruleId: string, input: UpdateRuleBody, actor: string, idempotency?: IdempotencyClaim): Reply<Rule> {
    this.kernel.scope.active()
    const row = this.require(ruleId)
    const definition: RuleDefinition = { ...row.definition, ...input }
    this.checkDefinition(definition)
    return this.commit(idempotency, ruleId, actor, 200, {
      type: EventType.ruleUpdated,
      data: { rule_id: ruleId, version: row.version + 1, definition },
    })
  }

  remove(ruleId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Rule> {
    this.kernel.scope.active()
    const before = this.view(this.require(ruleId))
    return this.kernel.write(
      idempotency,
      { subject: ruleId, actor },
      () => [{ type: EventType.ruleDeleted, data: { rule_id: ruleId } }],
      () => ({ status: 200, body: before }),
    )
  }

  get(ruleId: string): Reply<Rule> {
    this.kernel.scope.present()
    return { status: 200, body: this.view(this.require(ruleId)) }
  }

  list(limit: number, cursor: string | undefined): Reply<Page<Rule>> {
    this.kernel.scope.present()
    return pageReply(this.book.rules(limit, cursor), limit, (row) => this.view(row))
  }

  /** Every version of a rule, oldest first, read from its events: a deleted rule's too. */
  versions(ruleId: string): Reply<{ items: RuleVersion[] }> {
    this.kernel.scope.present()
    const items = this.kernel.log
      .readHistory(ruleId, 0, 10_000)
      .filter((event) => event.type === EventType.ruleCreated || event.type === EventType.ruleUpdated)
      .map((event) => {
        const data = event.data as { version: number; definition: RuleDefinition }
        return {
          version: data.version,
          saved_at: event.time,
          saved_by: String(event.actor ?? 'unknown'),
          definition: data.definition,
        }
      })
    if (items.length === 0) throw apiError(404, 'not_found', 'rule not found')
    return { status: 200, body: { items } }
  }

  /** A rule's matches, or an alert's, newest first, with the status of the runs they started. */
  triggers(of: { ruleId: string } | { alertId: string }, query: TriggersQuery): Reply<Page<RuleTrigger>> {
    this.kernel.scope.present()
    if ('ruleId' in of) this.require(of.ruleId)
    else if (!this.ports.alert(of.alertId)) throw apiError(404, 'not_found', 'alert not found')
    const cursor = query.cursor === undefined ? undefined : Number(query.cursor)
    const rows = this.book.triggers(of, query.limit, cursor)
    const body = toPage(
      rows,
      query.limit,
      (page) => page.map((row) => this.triggerView(row)),
      (row) => String(row.seq),
    )
    return { status: 200, body }
  }

  /** What a rule, or a change to one, would have done on the deliveries of a window; starts nothing. */
  backtest(input: BacktestBody): Reply<BacktestResult> {
    this.kernel.scope.present()
    const definition: RuleDefinition = input.rule ?? {
      ...this.require(input.rule_id ?? '').definition,
      ...input.changes,
    }
    this.checkDefinition(definition)
    const result = backtestRule(
      definition,
      { since: Date.parse(input.since), until: Date.parse(input.until) },
      {
        ...this.ports.backtest,
        deliveries: (after, limit) => this.kernel.log.read(after, limit, EventType.alertDeliveryReceived),
        agents: (target) => {
          const count = matchTargets(this.kernel.db, target).length
          if (count === 0) throw apiError(422, 'no_targets', 'no approved agent matches the target')
          return count
        },
      },
    )
    return { status: 200, body: result }
  }

  // Matching

  private answer(hearing: Heard) {
    const alert = this.ports.alert(hearing.alertId)
    if (!alert) return
    const context = contextOf(alert, hearing.transition)
    const now = this.kernel.now()
    for (const rule of this.book.enabled()) {
      const { definition } = rule
      if (!definition.on.includes(hearing.transition)) continue
      if (this.book.answered(rule.id, alert.id, alert.episode, hearing.transition)) continue
      let matched: boolean
      try {
        matched = this.matcher(rule)(context)
      } catch (error) {
        this.record(rule, alert, hearing, { outcome: 'failed', run_id: null, error: errorMessage(error) })
        continue
      }
      if (!matched) continue
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

  private act(
    rule: RuleRow,
    alert: AlertRow,
    hearing: Heard,
    context: RuleContext,
  ): Pick<RuleTriggered, 'outcome' | 'run_id' | 'error' | 'notification'> {
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

  private record(
    rule: RuleRow,
    alert: AlertRow,
    hearing: Heard,
    result: Pick<RuleTriggered, 'outcome' | 'run_id' | 'error' | 'notification'>,
  ) {
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

  private matcher(rule: RuleRow): RuleMatcher {
    const key = `${rule.id}/${rule.version}`
    let matcher = this.matchers.get(key)
    if (!matcher) {
      matcher = compileRuleExpression(rule.definition.expression)
      this.matchers.set(key, matcher)
    }
    return matcher
  }

  private checkDefinition(definition: RuleDefinition) {
    const checked = checkRuleExpression(definition.expression)
    if (!checked.ok)
      throw apiError(422, 'invalid_expression', `the expression does not compile: ${checked.message}`, {
        message: checked.message,
        position: checked.position,
      })
  }

  private commit(
    idempotency: IdempotencyClaim | undefined,
    ruleId: string,
    actor: string,
    status: 200 | 201,
    body: SitewireEventBody,
  ): Reply<Rule> {
    return this.kernel.write(
      idempotency,
      { subject: ruleId, actor },
      () => [body],
      () => ({ status, body: this.view(this.require(ruleId)) }),
    )
  }

  private require(ruleId: string): RuleRow {
    const row = this.book.rule(ruleId)
    if (!row) throw apiError(404, 'not_found', 'rule not found')
    return row
  }

  private view(row: RuleRow): Rule {
    return {
      id: row.id,
      site_id: this.kernel.scope.present().id,
      version: row.version,
      ...row.definition,
      created_at: row.createdAt,
      created_by: row.createdBy,
      updated_at: row.updatedAt,
    }
  }

  private triggerView(row: RuleTriggerRow): RuleTrigger {
    return {
      seq: row.seq,
      rule_id: row.ruleId,
      rule_version: row.ruleVersion,
      alert_id: row.alertId,
      fingerprint: row.fingerprint,
      episode: row.episode,
      transition: row.transition,
      outcome: row.outcome,
      run_id: row.runId,
      run_status: row.runId === null ? null : (this.ports.runStatus(row.runId) ?? null),
      error: row.error,
      at: row.at,
    }
  }
}
