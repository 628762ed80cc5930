import * as v from 'valibot'
import { Timestamp } from '../common'

/** Where an integration's deliveries come from; each kind has its own credentials and payload. */
export const IntegrationKind = v.picklist([
  'alertmanager',
  'grafana',
  'datadog',
  'sns',
  'gcp_monitoring',
  'gcp_pubsub',
  'splunk',
  'cloudevents',
  'webhook',
])
export type IntegrationKind = v.InferOutput<typeof IntegrationKind>

/** An alert's state as its sender reports it. */
export const AlertStatus = v.picklist(['firing', 'resolved'])
export type AlertStatus = v.InferOutput<typeof AlertStatus>

/** Severities from most to least urgent; every sender's own scale is mapped onto these. */
export const AlertSeverity = v.picklist(['critical', 'high', 'warning', 'info', 'low'])
export type AlertSeverity = v.InferOutput<typeof AlertSeverity>

/**
 * Labels and annotations as senders send them: Prometheus names (`alertname`, `instance`)
 * and free text, so keys are not held to the Kubernetes style of agent labels.
 */
export const AlertLabels = v.pipe(
  v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), v.pipe(v.string(), v.maxLength(16_384))),
  v.maxEntries(256, 'at most 256 labels'),
)
export type AlertLabels = v.InferOutput<typeof AlertLabels>

/** A link back to the sender: the graph, the dashboard, the silence page, the alarm's console. */
export const AlertLink = v.object({
  rel: v.pipe(v.string(), v.maxLength(64)),
  href: v.pipe(v.string(), v.maxLength(4096)),
})
export type AlertLink = v.InferOutput<typeof AlertLink>

/**
 * One alert as a delivery reports it, normalised from the sender's payload.
 *
 * - `fingerprint` names the alert series: the sender's own where it has one (Alertmanager's and
 *   Grafana's `fingerprint`, CloudWatch's `AlarmArn`, GCP's `incident_id`), used verbatim; else
 *   computed by the formula that `fingerprint_formula` names (versioned, documented in
 *   `worker/alerts/senders/fingerprint.ts`).
 * - `episode` tells apart two firings of one series where the sender says so (Alertmanager's
 *   `startsAt`, Datadog's cycle key); null when it does not.
 * - `resolve_after_seconds`: for senders that never resolve (Splunk), how long a firing alert
 *   lasts without a new delivery.
 */
export const ReceivedAlert = v.object({
  fingerprint: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  fingerprint_formula: v.pipe(v.string(), v.maxLength(256)),
  episode: v.nullable(v.pipe(v.string(), v.maxLength(512))),
  name: v.pipe(v.string(), v.maxLength(512)),
  summary: v.pipe(v.string(), v.maxLength(16_384)),
  status: AlertStatus,
  severity: AlertSeverity,
  labels: AlertLabels,
  annotations: AlertLabels,
  starts_at: Timestamp,
  ends_at: v.nullable(Timestamp),
  links: v.pipe(v.array(AlertLink), v.maxLength(16)),
  resolve_after_seconds: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
})
export type ReceivedAlert = v.InferOutput<typeof ReceivedAlert>
