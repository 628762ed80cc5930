import type { AlertSeverity } from '../../../schema/alerts/received-alert'
import { DatadogPayload } from '../../../schema/alerts/senders/datadog'
import { basicPassword, checkSecret } from './credentials'
import { datadogV1 } from './fingerprint'
import { finish, isoTime, linksOf, parseJsonBody, readPayload } from './payload'
import type { Sender } from './sender'
import { severityOf } from './severity'

const WHAT = 'Datadog webhook'

/** `key:value,bare` (Datadog's `$TAGS` and `$ALERT_SCOPE`) as labels; a bare tag gets an empty value. */
const tagLabels = (tags: string): Record<string, string> => {
  const labels: Record<string, string> = {}
  for (const tag of tags.split(',')) {
    const trimmed = tag.trim()
    if (trimmed === '') continue
    const colon = trimmed.indexOf(':')
    if (colon < 0) labels[trimmed] = ''
    else labels[trimmed.slice(0, colon)] = trimmed.slice(colon + 1)
  }
  return labels
}

/** A warning transition says so; otherwise the monitor's priority (P1…P5), then its alert type. */
const severityFor = (payload: DatadogPayload): AlertSeverity =>
  /^(Re-)?Warn/i.test(payload.transition)
    ? 'warning'
    : severityOf(payload.priority || undefined, severityOf(payload.alert_type || undefined))

const nonEmpty = (entries: Record<string, string>) =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== ''))

/**
 * Datadog's Webhooks integration with our payload template. Datadog does not sign: the
 * secret rides in a custom header (`settings.header`) or Basic. One monitor notification is
 * one alert, `Recovered` resolving it; the cycle key links a trigger to its recovery.
 */
export const datadog: Sender<'datadog'> = {
  kind: 'datadog',
  // The default secret header; a custom `settings.header` must be redacted by the caller too.
  secretHeaders: ['authorization', 'x-sitewire-token'],
  secretParams: [],
  authenticate: (request, context) =>
    checkSecret(
      [request.headers.get(context.settings.header), basicPassword(request.headers)],
      context.secrets,
    ),
  parse: (request) => {
    const payload = readPayload(DatadogPayload, parseJsonBody(request.body, WHAT), WHAT)
    const resolved = /^Recovered$/i.test(payload.transition)
    const at =
      isoTime(/^\d+$/.test(payload.date) ? Number(payload.date) : payload.date) ??
      new Date(request.now).toISOString()
    const tags = { ...tagLabels(payload.tags), ...tagLabels(payload.scope) }
    return {
      deliveryId: payload.id,
      alerts: finish(
        [
          {
            ...datadogV1(payload.alert_id, payload.scope),
            episode: payload.cycle_key || null,
            name: payload.title || `Datadog monitor ${payload.alert_id}`,
            summary: payload.message || payload.title,
            status: resolved ? 'resolved' : 'firing',
            severity: severityFor(payload),
            labels: {
              ...(payload.hostname === '' ? {} : { host: payload.hostname }),
              ...tags,
              monitor_id: payload.alert_id,
            },
            annotations: nonEmpty({
              transition: payload.transition,
              priority: payload.priority,
              metric: payload.metric,
              event_type: payload.event_type,
              aggreg_key: payload.aggreg_key,
            }),
            starts_at: at,
            ends_at: resolved ? at : null,
            links: linksOf([['source', payload.link]]),
            resolve_after_seconds: null,
          },
        ],
        WHAT,
      ),
    }
  },
}
