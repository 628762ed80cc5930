import { lt, sql } from 'drizzle-orm'
import { alerts } from '../../schema/db/projections'
import { EventType, type SitewireEventBody } from '../../schema/events'
import { type EventProjector, updateOnce } from './projected-event'

/**
 * The tenant-wide alert rows, as the site's alert book folds the same events. Each statement
 * applies once: the insert of a first episode ignores a row that is there, every other change
 * needs a `last_seq` older than the event's.
 */
export const projectAlertEvent: EventProjector = ({ db, siteId, tenantId, seq, time, body }) => {
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
      return updateOnce(db, seq, alerts, body.data.alert_id, {
        ...described(body.data.alert),
        updatedAt: time,
      })
    case EventType.alertResolved:
      return updateOnce(db, seq, alerts, body.data.alert_id, {
        status: 'resolved',
        endsAt: body.data.ended_at,
        silences: 0,
        updatedAt: time,
      })
    case EventType.alertAcknowledged:
      return updateOnce(db, seq, alerts, body.data.alert_id, { acknowledgedAt: time })
    case EventType.alertSilenced:
    case EventType.alertUnsilenced:
      return updateOnce(db, seq, alerts, body.data.alert_id, {
        silences: sql`max(0, ${alerts.silences} + ${body.type === EventType.alertSilenced ? 1 : -1})`,
      })
    default:
      return undefined
  }
}
