import type { AlertLabels, ReceivedAlert } from '../../schema/alerts/received-alert'
import type { BacktestMatch, BacktestResult } from '../../schema/api/rules'
import { type AlertDeliveryReceived, EventType, type LoggedEvent } from '../../schema/events'
import type { RuleDefinition } from '../../schema/rules/rule'
import type { RuleTransition } from '../../schema/rules/rule-context'
import type { Target } from '../../schema/tasks/run-request'
import { type AlertSeries, decideReceived } from '../alerts/alert-decider'
import { ApiError } from '../http/errors'
import { errorMessage } from '../lib/log'
import { planRun } from './rule-actions'
import { compileRuleExpression } from './rule-expression'

/** At most this many deliveries are read by one backtest, and this many matches shown. */
export const MAX_BACKTEST_DELIVERIES = 20_000
const MAX_MATCHES = 1000

export interface BacktestPorts {
  /** Deliveries recorded after `after` (a log position), oldest first. */
  deliveries: (after: number, limit: number) => LoggedEvent[]
  reread: (delivery: AlertDeliveryReceived, time: string) => ReceivedAlert[] | undefined
  /** Silences (as defined now) holding these labels at `at`. */
  silencing: (labels: AlertLabels, at: number) => string[]
  /** How many agents match a target now; throws the refusal a run request would. */
  agents: (target: Target) => number
}

/**
 * Plays the recorded deliveries of a window through the alert decider, with series starting
 * empty at `since`, and asks the rule what it would have done on each transition: which alerts
 * it matches, which runs it would start (with their parameters and targets), which its throttles
 * hold back. It starts nothing and stores nothing.
 */
export const backtestRule = (
  rule: RuleDefinition,
  window: { since: number; until: number },
  ports: BacktestPorts,
): BacktestResult => {
  const matcher = compileRuleExpression(rule.expression)
  const series = new Map<string, AlertSeries>()
  const acted = new Set<string>()
  let lastAct: number | undefined
  const lastActBySeries = new Map<string, number>()
  const matches: BacktestMatch[] = []
  let deliveries = 0
  let unreadable = 0
  let transitions = 0
  let wouldStart = 0
  let after = 0
  let truncated = false
  let nextId = 0

  const consider = (
    current: AlertSeries,
    delivery: AlertDeliveryReceived,
    at: number,
    transition: RuleTransition,
  ) => {
    transitions += 1
    const key = `${delivery.integration_id}/${current.described.fingerprint}`
    const once = `${key}/${current.episode}/${transition}`
    if (!rule.on.includes(transition) || acted.has(once)) return
    const alert = current.described
    const context = {
      transition,
      alert: {
        fingerprint: alert.fingerprint,
        name: alert.name,
        summary: alert.summary,
        status: current.status,
        severity: alert.severity,
        labels: alert.labels,
        annotations: alert.annotations,
        source: delivery.kind,
        integration_id: delivery.integration_id,
        starts_at: alert.starts_at,
        silenced: current.silencedBy.length > 0,
        episode: current.episode,
      },
    }
    const base = {
      at: new Date(at).toISOString(),
      delivery_id: delivery.delivery_id,
      fingerprint: alert.fingerprint,
      name: alert.name,
      labels: alert.labels,
      episode: current.episode,
      transition,
    }
    const record = (match: Omit<BacktestMatch, keyof typeof base>) => {
      if (matches.length < MAX_MATCHES) matches.push({ ...base, ...match })
    }
    let matched: boolean
    try {
      matched = matcher(context)
    } catch (error) {
      return record({ outcome: 'failed', run: null, error: errorMessage(error) })
    }
    if (!matched) return
    acted.add(once)
    const seriesLast = lastActBySeries.get(key)
    if (
      (lastAct !== undefined && at - lastAct < rule.throttle.rule_seconds * 1000) ||
      (seriesLast !== undefined && at - seriesLast < rule.throttle.fingerprint_seconds * 1000)
    )
      return record({ outcome: 'throttled', run: null, error: null })
    if (rule.action.kind !== 'run_task') {
      lastAct = at
      lastActBySeries.set(key, at)
      return record({ outcome: 'would_act', run: null, error: null })
    }
    try {
      const plan = planRun(rule.action, context, {
        kind: 'rule',
        rule_id: '00000000000000000000000000',
        rule_version: 1,
        alert_id: current.id,
        episode: current.episode,
        delivery_id: delivery.delivery_id,
      })
      const agents = ports.agents(plan.target)
      lastAct = at
      lastActBySeries.set(key, at)
      wouldStart += 1
      record({
        outcome: 'would_start',
        run: { task_id: plan.taskId, params: plan.params, target: plan.target, agents },
        error: null,
      })
    } catch (error) {
      const message = error instanceof ApiError ? `${error.code}: ${error.message}` : errorMessage(error)
      record({ outcome: 'failed', run: null, error: message })
    }
  }

  const play = (event: LoggedEvent) => {
    const at = Date.parse(event.time)
    if (at < window.since || at >= window.until) return
    const delivery = event.data as AlertDeliveryReceived
    deliveries += 1
    const alerts = ports.reread(delivery, event.time)
    if (!alerts) {
      unreadable += 1
      return
    }
    for (const received of alerts) {
      const key = `${delivery.integration_id}/${received.fingerprint}`
      const before = series.get(key)
      const decision = decideReceived(before, received, {
        now: at,
        deliveryId: delivery.delivery_id,
        integrationId: delivery.integration_id,
        kind: delivery.kind,
        silencing: (labels) => ports.silencing(labels, at),
        newAlertId: () => `backtest-${nextId++}`,
      })
      for (const body of decision.events) {
        const previous = series.get(key)
        if (body.type === EventType.alertFired) {
          const current: AlertSeries = {
            id: body.data.alert_id,
            episode: body.data.episode,
            episodeKey: received.episode,
            status: 'firing',
            silencedBy: body.data.silenced_by,
            recentFirings: [...(previous?.recentFirings ?? []), at],
            described: received,
          }
          series.set(key, current)
          if (current.silencedBy.length === 0)
            consider(current, delivery, at, current.episode === 1 ? 'fired' : 'refired')
        } else if (body.type === EventType.alertUpdated && previous) {
          series.set(key, { ...previous, described: received })
        } else if (body.type === EventType.alertResolved && previous) {
          const resolved: AlertSeries = { ...previous, status: 'resolved', silencedBy: [] }
          series.set(key, resolved)
          if (body.data.reason === 'sender') consider(resolved, delivery, at, 'resolved')
        }
      }
    }
  }

  for (;;) {
    const page = ports.deliveries(after, 500)
    for (const event of page) {
      if (deliveries >= MAX_BACKTEST_DELIVERIES) {
        truncated = true
        break
      }
      play(event)
    }
    const last = page.at(-1)
    if (truncated || !last || Date.parse(last.time) >= window.until) break
    after = last.seq
  }
  return { deliveries, unreadable, truncated, transitions, would_start: wouldStart, matches }
}
