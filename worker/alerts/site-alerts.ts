import type { Alert, AlertCounts, AlertCountsQuery, ListAlertsQuery } from '../../schema/api/alerts'
import { EventType, type LoggedEvent } from '../../schema/events'
import type { ResolveReason } from '../../schema/events/alert'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, toPage } from '../lib/paging'
import type { SiteFeature, SiteKernel } from '../site/feature'
import { AlertBook, type AlertRow } from './alert-book'
import { toAlert } from './alert-views'
import { HookIntake } from './hook-intake'
import { Integrations } from './integrations'
import { Silences } from './silences'

const ALERT_EVENT_PREFIX = 'io.sitewire.alert.'
const SILENCE_EVENT_PREFIX = 'io.sitewire.silence.'
const HISTORY_LIMIT = 1000

/** The end of an episode no delivery reported: it expired, or someone or a rule resolved it. */
const resolvedWithoutDelivery = (row: AlertRow, endedAt: string, reason: ResolveReason) => ({
  type: EventType.alertResolved,
  data: { alert_id: row.id, episode: row.episode, delivery_id: null, ended_at: endedAt, reason },
})

/**
 * A site's alerts: integrations take deliveries from monitoring tools, alerts live as episodes
 * of their series (fired, updated, resolved, acknowledged, silenced), and silences hold alerts
 * back from rules. On the alarm, episodes from senders that never resolve expire, and alerts
 * enter or leave silences whose windows open or close.
 */
export class SiteAlerts implements SiteFeature {
  readonly name = 'alerts'
  readonly book: AlertBook
  readonly integrations: Integrations
  readonly silences: Silences
  readonly intake: HookIntake
  /** The next expiry or silence boundary, as last computed; null once an event may have moved it. */
  private nextDue: number | undefined | null = null

  constructor(private readonly kernel: SiteKernel) {
    this.book = new AlertBook(kernel.db)
    this.integrations = new Integrations(kernel)
    this.silences = new Silences(kernel, this.book)
    this.intake = new HookIntake(kernel, this.book, this.silences, this.integrations)
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
    this.integrations.book.apply(event)
    if (event.type.startsWith(SILENCE_EVENT_PREFIX)) this.silences.changed()
    if (event.type.startsWith(ALERT_EVENT_PREFIX) || event.type.startsWith(SILENCE_EVENT_PREFIX))
      this.nextDue = null
  }

  due() {
    if (this.nextDue === null) {
      const now = this.kernel.now()
      const times = [this.book.nextExpiry(), this.silences.nextBoundary(now)].filter((t) => t !== undefined)
      this.nextDue = times.length === 0 ? undefined : Math.min(...times)
    }
    return this.nextDue
  }

  /** Expires what outlived its time, then brings firing alerts in and out of silences. */
  work() {
    const now = this.kernel.now()
    this.nextDue = null
    for (const row of this.book.expired(now)) {
      const endedAt = new Date(row.expiresAt ?? now).toISOString()
      this.kernel.record([resolvedWithoutDelivery(row, endedAt, 'expired')], row.id, 'system/alerts')
    }
    for (const change of this.silences.reconcile(now))
      this.kernel.record(change.events, change.alertId, 'system/alerts')
  }

  // Commands

  acknowledge(alertId: string, note: string, actor: string, idempotency?: IdempotencyClaim): Reply<Alert> {
    this.kernel.scope.active()
    const row = this.firing(alertId)
    return this.kernel.write(
      idempotency,
      { subject: alertId, actor },
      () => [{ type: EventType.alertAcknowledged, data: { alert_id: alertId, episode: row.episode, note } }],
      () => this.get(alertId),
    )
  }

  /** Ends a firing episode by hand (a sender that will not, a test alert). */
  resolve(alertId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Alert> {
    this.kernel.scope.active()
    const row = this.firing(alertId)
    return this.kernel.write(
      idempotency,
      { subject: alertId, actor },
      () => [resolvedWithoutDelivery(row, new Date(this.kernel.now()).toISOString(), 'manual')],
      () => this.get(alertId),
    )
  }

  /** Ends a firing episode because a rule said so; rules do not hear their own resolves. */
  resolveByRule(row: AlertRow, actor: string) {
    this.kernel.record(
      [resolvedWithoutDelivery(row, new Date(this.kernel.now()).toISOString(), 'rule')],
      row.id,
      actor,
    )
  }

  // Queries

  get(alertId: string): Reply<Alert> {
    return { status: 200, body: toAlert(this.kernel.scope.present().id, this.require(alertId)) }
  }

  list(query: ListAlertsQuery): Reply<Page<Alert>> {
    const siteId = this.kernel.scope.present().id
    const rows = this.book.alerts(query)
    return {
      status: 200,
      body: toPage(
        rows,
        query.limit,
        (page) => page.map((row) => toAlert(siteId, row)),
        (row) => row.id,
      ),
    }
  }

  /** Every event of the alert's life, oldest first, the deliveries that changed it included. */
  history(
    alertId: string,
  ): Reply<{ items: { seq: number; type: string; time: string; actor: string; data: unknown }[] }> {
    this.kernel.scope.present()
    this.require(alertId)
    const items = this.kernel.log.readHistory(alertId, 0, HISTORY_LIMIT).map((event) => ({
      seq: event.seq,
      type: event.type,
      time: event.time,
      actor: String(event.actor ?? 'unknown'),
      data: event.data,
    }))
    return { status: 200, body: { items } }
  }

  /** Alerts counted by severity, in groups of equal values of the `group_by` labels. */
  counts(query: AlertCountsQuery): Reply<AlertCounts> {
    this.kernel.scope.present()
    const by = (query.group_by ?? '')
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean)
    const groups = new Map<string, AlertCounts['groups'][number]>()
    for (const row of this.book.tallies(query.status)) {
      const labels = Object.fromEntries(by.map((label) => [label, row.labels[label] ?? '']))
      const key = JSON.stringify(labels)
      const group = groups.get(key) ?? { labels, count: 0, by_severity: {} }
      group.count += 1
      group.by_severity[row.severity] = (group.by_severity[row.severity] ?? 0) + 1
      groups.set(key, group)
    }
    return { status: 200, body: { groups: [...groups.values()].sort((a, b) => b.count - a.count) } }
  }

  private require(alertId: string): AlertRow {
    const row = this.book.alert(alertId)
    if (!row) throw apiError(404, 'not_found', 'alert not found')
    return row
  }

  private firing(alertId: string): AlertRow {
    const row = this.require(alertId)
    if (row.status !== 'firing') throw apiError(409, 'alert_resolved', 'the alert is resolved')
    return row
  }
}
