import * as v from 'valibot'

/**
 * The payload template users paste into Datadog's Webhooks integration (Datadog sends what
 * the template says, each `$VARIABLE` replaced by text). Keys on the left are ours.
 */
export const DATADOG_PAYLOAD_TEMPLATE = {
  id: '$ID',
  alert_id: '$ALERT_ID',
  cycle_key: '$ALERT_CYCLE_KEY',
  aggreg_key: '$AGGREG_KEY',
  transition: '$ALERT_TRANSITION',
  scope: '$ALERT_SCOPE',
  priority: '$ALERT_PRIORITY',
  alert_type: '$ALERT_TYPE',
  title: '$EVENT_TITLE',
  message: '$EVENT_MSG',
  tags: '$TAGS',
  date: '$DATE',
  link: '$LINK',
  hostname: '$HOSTNAME',
  metric: '$ALERT_METRIC',
  event_type: '$EVENT_TYPE',
  org_id: '$ORG_ID',
} as const

const Text = v.optional(v.string(), '')

/** A delivery made from `DATADOG_PAYLOAD_TEMPLATE`; variables Datadog leaves empty arrive as `""`. */
export const DatadogPayload = v.looseObject({
  /** `$ID`: the event's id, the same on Datadog's retries. */
  id: v.pipe(v.string(), v.minLength(1, 'the event id ($ID) is empty')),
  /** `$ALERT_ID`: the monitor. */
  alert_id: v.pipe(v.string(), v.minLength(1, 'the monitor id ($ALERT_ID) is empty')),
  cycle_key: Text,
  aggreg_key: Text,
  /** Triggered, Re-Triggered, Recovered, Warn, Re-Warn, No Data, Re-No Data, Renotify. */
  transition: Text,
  /** Comma-separated tags the monitor triggered on, e.g. `host:web-1,env:prod`. */
  scope: Text,
  priority: Text,
  alert_type: Text,
  title: Text,
  message: Text,
  tags: Text,
  /** Epoch milliseconds, as text. */
  date: Text,
  link: Text,
  hostname: Text,
  metric: Text,
  event_type: Text,
  org_id: Text,
})
export type DatadogPayload = v.InferOutput<typeof DatadogPayload>
