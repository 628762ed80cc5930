import { and, desc, eq, isNotNull, isNull, like, lt, min, or, sql } from 'drizzle-orm'
import type { SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core'
import type { ReceivedAlert } from '../../schema/alerts/received-alert'
import type { ListAlertsQuery } from '../../schema/api/alerts'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { SiteDatabase } from '../site/feature'
import { FLAP_WINDOW_MS } from './alert-decider'
import { labelConditions } from './label-filter'

export type AlertRow = typeof store.alerts.$inferSelect
export type SilenceRow = typeof store.silences.$inferSelect

const expiry = (time: string, seconds: number | null) =>
  seconds === null ? null : Date.parse(time) + seconds * 1000

/** The columns an episode's description sets. */
const described = (alert: ReceivedAlert, time: string) => ({
  fingerprintFormula: alert.fingerprint_formula,
  severity: alert.severity,
  name: alert.name,
  summary: alert.summary,
  labels: alert.labels,
  annotations: alert.annotations,
  links: alert.links,
  resolveAfterSeconds: alert.resolve_after_seconds,
  expiresAt: expiry(time, alert.resolve_after_seconds),
  lastReceivedAt: time,
  receiveCount: sql`${store.alerts.receiveCount} + 1`,
})

/**
 * The site's integrations, alerts and silences as their events left them, in the object's
 * SQLite. `apply` runs inside the commit's transaction and decides nothing the events do not say.
 */
export class AlertBook {
  // Every alert of every delivery is looked up by id and by series: built once, not per call.
  private readonly byId
  private readonly bySeries

  constructor(private readonly db: SiteDatabase) {
    this.byId = db
      .select()
      .from(store.alerts)
      .where(eq(store.alerts.id, sql.placeholder('id')))
      .prepare()
    this.bySeries = db
      .select()
      .from(store.alerts)
      .where(
        and(
          eq(store.alerts.integrationId, sql.placeholder('integrationId')),
          eq(store.alerts.fingerprint, sql.placeholder('fingerprint')),
        ),
      )
      .prepare()
  }

  apply(event: LoggedEvent) {
    const body = { type: event.type, data: event.data } as SitewireEventBody
    const time = event.time
    const actor = String(event.actor ?? 'unknown')
    switch (body.type) {
      case EventType.alertDeliveryReceived: {
        // Alerts the delivery changed are folded from their own events; a repeat only counts.
        for (const alert of body.data.alerts) {
          if (alert.outcome !== 'unchanged' || alert.alert_id === null) continue
          const row = this.alert(alert.alert_id)
          if (!row) continue
          this.setAlert(row.id, {
            lastReceivedAt: time,
            receiveCount: row.receiveCount + 1,
            expiresAt: row.status === 'firing' ? expiry(time, row.resolveAfterSeconds) : null,
          })
        }
        return
      }
      case EventType.alertFired: {
        const { alert_id, episode, integration_id, kind, alert, silenced_by, flapping } = body.data
        const at = Date.parse(time)
        const previous = this.alert(alert_id)
        const recent = (previous?.recentFirings ?? []).filter((t) => t > at - FLAP_WINDOW_MS)
        const episodeColumns = {
          episode,
          episodeKey: alert.episode,
          status: 'firing' as const,
          startsAt: alert.starts_at,
          endsAt: null,
          resolveReason: null,
          silencedBy: silenced_by,
          acknowledgedAt: null,
          acknowledgedBy: null,
          acknowledgeNote: null,
          flapping,
          recentFirings: [...recent, at],
        }
        if (previous) {
          this.setAlert(alert_id, { ...described(alert, time), ...episodeColumns })
          return
        }
        this.db
          .insert(store.alerts)
          .values({
            id: alert_id,
            integrationId: integration_id,
            kind,
            fingerprint: alert.fingerprint,
            ...described(alert, time),
            receiveCount: 1,
            firstSeenAt: time,
            ...episodeColumns,
          })
          .run()
        return
      }
      case EventType.alertUpdated:
        return this.setAlert(body.data.alert_id, described(body.data.alert, time))
      case EventType.alertResolved: {
        const { alert_id, ended_at, reason, delivery_id } = body.data
        return this.setAlert(alert_id, {
          status: 'resolved',
          endsAt: ended_at,
          resolveReason: reason,
          expiresAt: null,
          silencedBy: [],
          ...(delivery_id === null ? {} : { lastReceivedAt: time }),
        })
      }
      case EventType.alertAcknowledged:
        return this.setAlert(body.data.alert_id, {
          acknowledgedAt: time,
          acknowledgedBy: actor,
          acknowledgeNote: body.data.note,
        })
      case EventType.alertSilenced:
      case EventType.alertUnsilenced: {
        const { alert_id, silence_id } = body.data
        const row = this.alert(alert_id)
        if (!row) return
        const others = row.silencedBy.filter((id) => id !== silence_id)
        return this.setAlert(alert_id, {
          silencedBy: body.type === EventType.alertSilenced ? [...others, silence_id] : others,
        })
      }
      case EventType.silenceCreated:
        this.db
          .insert(store.silences)
          .values({
            id: body.data.silence_id,
            definition: body.data.definition,
            createdAt: time,
            createdBy: actor,
          })
          .onConflictDoNothing()
          .run()
        return
      case EventType.silenceDeleted:
        this.db
          .update(store.silences)
          .set({ deletedAt: time })
          .where(eq(store.silences.id, body.data.silence_id))
          .run()
        return
    }
  }

  // Alerts

  alert(id: string): AlertRow | undefined {
    return this.byId.get({ id })
  }

  series(integrationId: string, fingerprint: string): AlertRow | undefined {
    return this.bySeries.get({ integrationId, fingerprint })
  }

  /** Newest first, by id. */
  alerts(query: ListAlertsQuery): AlertRow[] {
    const a = store.alerts
    return this.db
      .select()
      .from(a)
      .where(
        and(
          query.cursor === undefined ? undefined : lt(a.id, query.cursor),
          query.status === undefined ? undefined : eq(a.status, query.status),
          query.severity === undefined ? undefined : eq(a.severity, query.severity),
          query.integration_id === undefined ? undefined : eq(a.integrationId, query.integration_id),
          query.silenced === undefined
            ? undefined
            : query.silenced === 'true'
              ? sql`${a.silencedBy} != '[]'`
              : sql`${a.silencedBy} = '[]'`,
          query.q === undefined
            ? undefined
            : or(like(a.name, `%${query.q}%`), like(a.summary, `%${query.q}%`)),
          ...labelConditions(a.labels, query.label),
        ),
      )
      .orderBy(desc(a.id))
      .limit(query.limit + 1)
      .all()
  }

  /** What counting alerts needs of each one, with the given status or any. */
  tallies(status: AlertRow['status'] | undefined) {
    return this.db
      .select({ labels: store.alerts.labels, severity: store.alerts.severity })
      .from(store.alerts)
      .where(status === undefined ? undefined : eq(store.alerts.status, status))
      .all()
  }

  firing(): AlertRow[] {
    return this.db.select().from(store.alerts).where(eq(store.alerts.status, 'firing')).all()
  }

  /** Firing episodes past their expiry at `now` (ms). */
  expired(now: number): AlertRow[] {
    return this.db
      .select()
      .from(store.alerts)
      .where(and(isNotNull(store.alerts.expiresAt), lt(store.alerts.expiresAt, now + 1)))
      .all()
  }

  nextExpiry(): number | undefined {
    return (
      this.db
        .select({ at: min(store.alerts.expiresAt) })
        .from(store.alerts)
        .get()?.at ?? undefined
    )
  }

  // Silences

  silence(id: string): SilenceRow | undefined {
    return this.db.select().from(store.silences).where(eq(store.silences.id, id)).get()
  }

  /** Silences not deleted; the caller tells which hold at a given time. */
  liveSilences(): SilenceRow[] {
    return this.db.select().from(store.silences).where(isNull(store.silences.deletedAt)).all()
  }

  silences(limit: number, cursor: string | undefined): SilenceRow[] {
    return this.db
      .select()
      .from(store.silences)
      .where(cursor === undefined ? undefined : lt(store.silences.id, cursor))
      .orderBy(desc(store.silences.id))
      .limit(limit + 1)
      .all()
  }

  private setAlert(id: string, values: SQLiteUpdateSetSource<typeof store.alerts>) {
    this.db.update(store.alerts).set(values).where(eq(store.alerts.id, id)).run()
  }
}
