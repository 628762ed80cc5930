import * as v from 'valibot'
import { Timestamp } from '../../common'
import { AlertLabels, AlertLink, AlertSeverity, AlertStatus } from '../received-alert'

/**
 * One alert in our generic webhook format. Only `name` is required: `status` defaults to
 * firing, `severity` to warning, `starts_at` to the arrival time; without a `fingerprint`
 * one is computed by `labels-v1` (see `worker/alerts/senders/webhook.ts`).
 */
export const GenericAlert = v.strictObject({
  fingerprint: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  status: v.optional(AlertStatus, 'firing'),
  severity: v.optional(AlertSeverity, 'warning'),
  summary: v.optional(v.pipe(v.string(), v.maxLength(16_384))),
  labels: v.optional(AlertLabels, {}),
  annotations: v.optional(AlertLabels, {}),
  starts_at: v.optional(Timestamp),
  ends_at: v.optional(v.nullable(Timestamp)),
  links: v.optional(v.pipe(v.array(AlertLink), v.maxLength(16)), []),
})
export type GenericAlert = v.InferOutput<typeof GenericAlert>

/** A generic webhook body holding several alerts; a body without `alerts` is one alert. */
export const GenericBatch = v.strictObject({
  alerts: v.pipe(v.array(GenericAlert), v.minLength(1), v.maxLength(100)),
})
export type GenericBatch = v.InferOutput<typeof GenericBatch>
