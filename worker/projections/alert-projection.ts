import { and, eq, lt, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { alerts } from '../../schema/db/projections'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { ProjectionsDb } from './database'

type Statement = BatchItem<'sqlite'>

/**
 * The tenant-wide alert rows, as the site's alert book folds the same events. Each statement
 * applies once: the insert of a first episode ignores a row that is there, every other change
 * needs a `last_seq` older than the event's.
 */
export const projectAlertEvent = (
  db: ProjectionsDb,
  siteId: string,
  tenantId: string,
  event: LoggedEvent,
  body: SitewireEventBody,
): Statement | undefined => {
  const seq = event.seq
  const time = new Date(event.time).toISOString()
  const newer = (alertId: string) => and(eq(alerts.id, alertId), lt(alerts.lastSeq, seq))
  const described = (
    alert: Extract<SitewireEventBody, { type: 'io.sitewire.alert.fired' }>['data']['alert'],
  ) => ({
    severity: alert.severity,
    name: alert.name,
    summary: alert.summary,
    labels: alert.labels,
  })
  switch (body.type) {
    case EventType.alertFired: {
      const { alert_id, episode, integration_id, kind, alert, silenced_by, flapping } = body.data
      const episodeColumns = {
        ...described(alert),
        episode,
        status: 'firing' as const,
        startsAt: alert.starts_at,
        endsAt: null,
        silences: silenced_by.length,
        acknowledgedAt: null,
        flapping,
        updatedAt: time,
        lastSeq: seq,
      }
      return db
        .insert(alerts)
        .values({
          id: alert_id,
          siteId,
          tenantId,
          integrationId: integration_id,
          kind,
          fingerprint: alert.fingerprint,
          ...episodeColumns,
        })
        .onConflictDoUpdate({ target: alerts.id, set: episodeColumns, setWhere: lt(alerts.lastSeq, seq) })
    }
    case EventType.alertUpdated:
      return db
        .update(alerts)
        .set({ ...described(body.data.alert), updatedAt: time, lastSeq: seq })
        .where(newer(body.data.alert_id))
    case EventType.alertResolved:
      return db
        .update(alerts)
        .set({ status: 'resolved', endsAt: body.data.ended_at, silences: 0, updatedAt: time, lastSeq: seq })
        .where(newer(body.data.alert_id))
    case EventType.alertAcknowledged:
      return db.update(alerts).set({ acknowledgedAt: time, lastSeq: seq }).where(newer(body.data.alert_id))
    case EventType.alertSilenced:
    case EventType.alertUnsilenced:
      return db
        .update(alerts)
        .set({
          silences: sql`max(0, ${alerts.silences} + ${body.type === EventType.alertSilenced ? 1 : -1})`,
          lastSeq: seq,
        })
        .where(newer(body.data.alert_id))
    default:
      return undefined
  }
}
