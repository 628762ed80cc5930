import type * as v from 'valibot'
import type { AlertLink, ReceivedAlert } from '../../../schema/alerts/received-alert'
import { type AlertmanagerAlert, AlertmanagerPayload } from '../../../schema/alerts/senders/alertmanager'
import { checkBearerOrBasic } from './credentials'
import { verbatim } from './fingerprint'
import { finish, isoTime, linksOf, parseJsonBody, readPayload } from './payload'
import type { ParsedDelivery, Sender } from './sender'
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
 * The delivery an Alertmanager-shaped group body makes: the payload read with `schema`, and
 * each member normalised with the links (and annotations) its sender gives it.
 */
export const groupDelivery = <S extends v.GenericSchema<unknown, { alerts: AlertmanagerAlert[] }>>(
  body: Uint8Array,
  schema: S,
  what: string,
  formula: string,
  member: (
    alert: v.InferOutput<S>['alerts'][number],
    payload: v.InferOutput<S>,
  ) => {
    links: AlertLink[]
    annotations?: Record<string, string>
  },
): ParsedDelivery => {
  const payload = readPayload(schema, parseJsonBody(body, what), what)
  return {
    deliveryId: null,
    alerts: finish(
      payload.alerts.map((alert: v.InferOutput<S>['alerts'][number]) => {
        const { links, annotations } = member(alert, payload)
        return alertFromGroupMember(alert, formula, links, annotations)
      }),
      what,
    ),
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
  parse: (request) =>
    groupDelivery(
      request.body,
      AlertmanagerPayload,
      'Alertmanager webhook',
      'alertmanager',
      (alert, payload) => ({
        links: linksOf([
          ['source', alert.generatorURL],
          ['alertmanager', payload.externalURL],
        ]),
      }),
    ),
}
