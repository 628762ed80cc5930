import * as v from 'valibot'
import { AlertmanagerAlert, alertGroupEntries } from './alertmanager'

/** A Grafana alert: Alertmanager's plus links into Grafana and the query values that fired it. */
export const GrafanaAlert = v.looseObject({
  ...AlertmanagerAlert.entries,
  silenceURL: v.optional(v.string(), ''),
  dashboardURL: v.optional(v.string(), ''),
  panelURL: v.optional(v.string(), ''),
  imageURL: v.optional(v.string(), ''),
  ruleUID: v.optional(v.string(), ''),
  values: v.optional(v.nullable(v.record(v.string(), v.nullable(v.number())))),
  valueString: v.optional(v.string(), ''),
})
export type GrafanaAlert = v.InferOutput<typeof GrafanaAlert>

/** Grafana unified alerting's webhook body (`version: "1"`); `title`, `state`, `message` are deprecated there. */
export const GrafanaPayload = v.looseObject({
  ...alertGroupEntries,
  version: v.literal('1'),
  orgId: v.optional(v.number()),
  alerts: v.array(GrafanaAlert),
  title: v.optional(v.string()),
  state: v.optional(v.string()),
  message: v.optional(v.string()),
})
export type GrafanaPayload = v.InferOutput<typeof GrafanaPayload>
