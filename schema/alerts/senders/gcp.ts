import * as v from 'valibot'

const Labels = v.optional(v.nullable(v.record(v.string(), v.unknown())))
const Text = v.optional(v.nullable(v.string()))
const UnixSeconds = v.pipe(v.number(), v.integer(), v.minValue(0))

/**
 * A Cloud Monitoring incident (webhook schema 1.2). Read leniently: the console's test
 * notification sends `state: "OPEN"` and `documentation` as a plain string.
 */
export const GcpIncident = v.looseObject({
  incident_id: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  state: v.pipe(v.string(), v.toLowerCase(), v.picklist(['open', 'closed'])),
  started_at: UnixSeconds,
  ended_at: v.optional(v.nullable(UnixSeconds)),
  policy_name: Text,
  condition_name: Text,
  summary: Text,
  url: Text,
  severity: Text,
  scoping_project_id: Text,
  resource: v.optional(v.nullable(v.looseObject({ type: Text, labels: Labels }))),
  metric: v.optional(v.nullable(v.looseObject({ type: Text, displayName: Text, labels: Labels }))),
  policy_user_labels: Labels,
  observed_value: Text,
  threshold_value: Text,
  documentation: v.optional(v.nullable(v.union([v.string(), v.looseObject({ content: Text })]))),
})
export type GcpIncident = v.InferOutput<typeof GcpIncident>

/** The body of a Cloud Monitoring webhook notification channel. */
export const GcpMonitoringPayload = v.looseObject({
  version: v.optional(v.string()),
  incident: GcpIncident,
})
export type GcpMonitoringPayload = v.InferOutput<typeof GcpMonitoringPayload>

/** A Pub/Sub push delivery (wrapped): `data` is base64 of a Cloud Monitoring notification. */
export const PubSubPush = v.looseObject({
  message: v.looseObject({
    data: v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64')),
    attributes: v.optional(v.nullable(v.record(v.string(), v.string()))),
    messageId: v.pipe(v.string(), v.minLength(1)),
    publishTime: v.optional(v.string()),
  }),
  subscription: v.string(),
})
export type PubSubPush = v.InferOutput<typeof PubSubPush>
