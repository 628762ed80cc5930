import type { ReceivedAlert } from '../../../schema/alerts/received-alert'
import { type GcpIncident, GcpMonitoringPayload } from '../../../schema/alerts/senders/gcp'
import { basicPassword, checkSecret, queryToken } from './credentials'
import { verbatim } from './fingerprint'
import { finish, linksOf, parseJsonBody, readPayload } from './payload'
import type { Sender } from './sender'
import { severityOf } from './severity'

const TOKEN_PARAM = 'auth_token'
const WHAT = 'Cloud Monitoring notification'

const stringsOf = (map: Record<string, unknown> | null | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(map ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )

const defined = (entries: Record<string, string | null | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(entries).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
    ),
  )

const secondsToIso = (seconds: number) => new Date(seconds * 1000).toISOString()

/**
 * A Cloud Monitoring notification (webhook or Pub/Sub) as one alert keyed by `incident_id`:
 * `open` fires, `closed` resolves. Labels are the resource's, the metric's and the policy's
 * user labels, plus the policy, condition, project and types.
 */
export const incidentAlerts = (json: unknown, what: string, prefix = ''): ReceivedAlert[] => {
  const { incident } = readPayload(GcpMonitoringPayload, json, what, prefix)
  return finish([incidentAlert(incident)], what)
}

const incidentAlert = (incident: GcpIncident) => {
  const name = incident.policy_name || incident.condition_name || incident.incident_id
  const closed = incident.state === 'closed'
  const documentation =
    typeof incident.documentation === 'string' ? incident.documentation : incident.documentation?.content
  return {
    ...verbatim(incident.incident_id, 'gcp_monitoring'),
    episode: null,
    name,
    summary: incident.summary || name,
    status: closed ? ('resolved' as const) : ('firing' as const),
    severity: severityOf(incident.severity),
    labels: {
      ...stringsOf(incident.policy_user_labels),
      ...stringsOf(incident.metric?.labels),
      ...stringsOf(incident.resource?.labels),
      ...defined({
        policy_name: incident.policy_name,
        condition_name: incident.condition_name,
        project_id: incident.scoping_project_id,
        resource_type: incident.resource?.type,
        metric_type: incident.metric?.type,
      }),
    },
    annotations: defined({
      metric: incident.metric?.displayName,
      observed_value: incident.observed_value,
      threshold_value: incident.threshold_value,
      documentation,
    }),
    starts_at: secondsToIso(incident.started_at),
    ends_at: closed && typeof incident.ended_at === 'number' ? secondsToIso(incident.ended_at) : null,
    links: linksOf([['console', incident.url]]),
    resolve_after_seconds: null,
  }
}

/**
 * A Cloud Monitoring webhook channel: `webhook_basicauth` (Basic, the secret as password) or
 * `webhook_tokenauth` (the secret as `?auth_token=` in the URL). No signature, no delivery id.
 */
export const gcpMonitoring: Sender<'gcp_monitoring'> = {
  kind: 'gcp_monitoring',
  secretHeaders: ['authorization'],
  secretParams: [TOKEN_PARAM],
  authenticate: (request, context) =>
    checkSecret([basicPassword(request.headers), queryToken(request.url, TOKEN_PARAM)], context.secrets),
  parse: (request) => ({
    deliveryId: null,
    alerts: incidentAlerts(parseJsonBody(request.body, WHAT), WHAT),
  }),
}
