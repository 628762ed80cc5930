import { EventType, type LoggedEvent } from '../../schema/events'
import type { RuleContext, RuleTransition } from '../../schema/rules/rule-context'
import type { AlertRow } from '../alerts/alert-book'
import { loggedBody } from '../lib/logged-body'

/** An alert event a rule may answer: which alert, which of its transitions, from which delivery. */
export interface Heard {
  alertId: string
  transition: RuleTransition
  deliveryId: string | null
}

const firingTransition = (episode: number): RuleTransition => (episode === 1 ? 'fired' : 'refired')

/**
 * The transition an alert event is for rules. An alert that fires inside a silence is not one;
 * leaving its last silence while still firing is, so a maintenance window delays, never swallows.
 */
export const heard = (event: LoggedEvent, alert: (id: string) => AlertRow | undefined): Heard | undefined => {
  const body = loggedBody(event)
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

export const contextOf = (row: AlertRow, transition: RuleTransition): RuleContext => ({
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
