import * as v from 'valibot'
import { Timestamp } from '../../common'
import { AlertStatus } from '../received-alert'
import { StringMap } from './common'

/** One alert of an Alertmanager group (`template.Alert`); `status` is this alert's own. */
export const AlertmanagerAlert = v.looseObject({
  status: AlertStatus,
  labels: StringMap,
  annotations: v.optional(StringMap, {}),
  startsAt: Timestamp,
  /** `0001-01-01T00:00:00Z` while firing. */
  endsAt: v.optional(Timestamp),
  generatorURL: v.optional(v.string(), ''),
  /** FNV-1a-64 of the sorted labels, 16 hex digits. */
  fingerprint: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
})
export type AlertmanagerAlert = v.InferOutput<typeof AlertmanagerAlert>

/** The group fields Alertmanager and Grafana share; unknown fields (newer versions) are allowed. */
export const alertGroupEntries = {
  receiver: v.string(),
  /** Over the alerts sent, after `max_alerts`: never the state of the group. */
  status: AlertStatus,
  groupLabels: v.optional(StringMap, {}),
  commonLabels: v.optional(StringMap, {}),
  commonAnnotations: v.optional(StringMap, {}),
  externalURL: v.optional(v.string(), ''),
  groupKey: v.string(),
  truncatedAlerts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
}

/** Alertmanager's `webhook_config` body, payload version 4 (0.25 to 0.34). */
export const AlertmanagerPayload = v.looseObject({
  ...alertGroupEntries,
  version: v.literal('4'),
  alerts: v.array(AlertmanagerAlert),
  /** Since 0.32. */
  notification_reason: v.optional(v.string()),
  /** Since 0.34. */
  routeLabels: v.optional(StringMap),
})
export type AlertmanagerPayload = v.InferOutput<typeof AlertmanagerPayload>
