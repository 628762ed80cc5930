import { ALERTS_PER_DELIVERY } from './plan'

/** The one alert in each delivery that the matching rule acts on, and the rule that matches it. */
export const MATCHED = { alertname: 'HostDown', service: 'node', severity: 'critical' }
export const MATCHING_EXPRESSION = `alert.name == "${MATCHED.alertname}" && alert.labels.service == "${MATCHED.service}" && alert.severity == "${MATCHED.severity}"`
/** Rules a realistic site carries that the bench's alerts never match. */
export const idleExpression = (n: number) =>
  `alert.labels.service == "svc-${n}" && alert.severity == "critical"`

/** An Alertmanager v4 webhook body, as Alertmanager 0.25 posts it. */
export interface AlertmanagerBody {
  receiver: string
  status: 'firing'
  alerts: {
    status: 'firing'
    labels: Record<string, string>
    annotations: Record<string, string>
    startsAt: string
    endsAt: string
    generatorURL: string
    fingerprint: string
  }[]
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  commonAnnotations: Record<string, string>
  externalURL: string
  version: '4'
  groupKey: string
  truncatedAlerts: number
}

/**
 * Makes deliveries of 10 firing alerts, each with a fingerprint never sent before in the run
 * (so each is a new series and fires); one names this machine's agent by `instance` and
 * matches the one rule that acts. About 3 KB of JSON each.
 */
export const deliveryFactory = (runId: string, host: string) => {
  // Alertmanager's fingerprints are 16 hex digits; a per-run prefix keeps runs apart.
  const prefix = Number.parseInt(runId, 36).toString(16).slice(-6).padStart(6, '0')
  let series = 0
  return (): AlertmanagerBody => {
    const startsAt = new Date().toISOString()
    const alerts = Array.from({ length: ALERTS_PER_DELIVERY }, (_, i) => {
      series += 1
      const matched = i === 0
      return {
        status: 'firing' as const,
        labels: matched
          ? { ...MATCHED, instance: `${host}:9100`, job: 'node' }
          : {
              alertname: 'HighLatency',
              service: `api-${i}`,
              severity: 'warning',
              instance: `api-${i}.example.net:9100`,
              job: 'api',
            },
        annotations: { summary: matched ? 'node exporter down' : 'p99 latency over 500 ms' },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0',
        fingerprint: `${prefix}${series.toString(16).padStart(10, '0')}`,
      }
    })
    return {
      receiver: 'sitewire',
      status: 'firing',
      alerts,
      groupLabels: { alertname: 'HostDown' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager.example:9093',
      version: '4',
      groupKey: '{}:{alertname="HostDown"}',
      truncatedAlerts: 0,
    }
  }
}

/** The same delivery as a plain structured CloudEvent, for the log's own ceiling. */
export const asCloudEvent = (body: AlertmanagerBody) => ({
  specversion: '1.0',
  // Unique across the run: the first alert's fingerprint is never sent twice.
  id: `delivery-${body.alerts[0]?.fingerprint}`,
  source: '/bench/alertmanager',
  type: 'com.example.alertmanager.delivery',
  datacontenttype: 'application/json',
  data: body,
})
