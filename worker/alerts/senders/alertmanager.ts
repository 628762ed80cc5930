import type { AlertLink, ReceivedAlert } from '../../../schema/alerts/received-alert'
import { type AlertmanagerAlert, AlertmanagerPayload } from '../../../schema/alerts/senders/alertmanager'
import { checkBearerOrBasic } from './credentials'
import { verbatim } from './fingerprint'
import { finish, isoTime, linksOf, parseJsonBody, readPayload } from './payload'
import type { Sender } from './sender'
import { severityOf } from './severity'

/** Go's zero time: what Alertmanager sends as `endsAt` for an alert with no end. */
const ZERO_TIME = '0001-01-01T00:00:00Z'

/**
 * One alert of an Alertmanager-shaped group, normalised. Its own `status` counts (the group's
 * is computed after truncation); `startsAt` tells its firings apart; the fingerprint is the
 * sender's, verbatim, under `formula`.
 */
export const alertFromGroupMember = (
  alert: AlertmanagerAlert,
  formula: string,
  links: AlertLink[],
  annotations: Record<string, string> = alert.annotations,
): ReceivedAlert => {
  const name = alert.labels.alertname ?? ''
  return {
    ...verbatim(alert.fingerprint, formula),
    episode: alert.startsAt,
    name,
    summary: alert.annotations.summary ?? alert.annotations.description ?? name,
    status: alert.status,
    severity: severityOf(alert.labels.severity),
    labels: alert.labels,
    annotations,
    starts_at: isoTime(alert.startsAt) ?? alert.startsAt,
    ends_at:
      alert.status === 'firing' || alert.endsAt === undefined || alert.endsAt === ZERO_TIME
        ? null
        : isoTime(alert.endsAt),
    links,
    resolve_after_seconds: null,
  }
}

/**
 * Prometheus Alertmanager's `webhook_config` (payload version 4). It never signs; its
 * `http_config` sends Bearer or Basic. No delivery id: Alertmanager re-sends identical groups
 * on purpose (`repeat_interval`), and alerts are deduplicated by fingerprint downstream.
 */
export const alertmanager: Sender<'alertmanager'> = {
  kind: 'alertmanager',
  secretHeaders: ['authorization'],
  secretParams: [],
  authenticate: (request, context) => checkBearerOrBasic(request.headers, context.secrets),
  parse: (request) => {
    const payload = readPayload(
      AlertmanagerPayload,
      parseJsonBody(request.body, 'Alertmanager webhook'),
      'Alertmanager webhook',
    )
    return {
      deliveryId: null,
      alerts: finish(
        payload.alerts.map((alert) =>
          alertFromGroupMember(
            alert,
            'alertmanager',
            linksOf([
              ['source', alert.generatorURL],
              ['alertmanager', payload.externalURL],
            ]),
          ),
        ),
        'Alertmanager webhook',
      ),
    }
  },
}
