import * as v from 'valibot'
import { AlertLabels, AlertSeverity, AlertStatus, IntegrationKind } from '../alerts/received-alert'
import { Timestamp } from '../common'

/**
 * What happened to the alert that makes rules look at it: its first firing, its end, or a
 * new firing (a new episode) of a series that had resolved.
 */
export const RuleTransition = v.picklist(['fired', 'resolved', 'refired'])
export type RuleTransition = v.InferOutput<typeof RuleTransition>

/** The alert as a rule's expression and templates see it (`alert.…`). */
export const RuleAlert = v.object({
  fingerprint: v.string(),
  name: v.string(),
  summary: v.string(),
  status: AlertStatus,
  severity: AlertSeverity,
  labels: AlertLabels,
  annotations: AlertLabels,
  /** The kind of integration it came through. */
  source: IntegrationKind,
  integration_id: v.string(),
  starts_at: Timestamp,
  silenced: v.boolean(),
  /** 1 for the series' first firing, 2 for the next after it resolved, and so on. */
  episode: v.pipe(v.number(), v.integer(), v.minValue(1)),
})
export type RuleAlert = v.InferOutput<typeof RuleAlert>

/** Everything a rule's expression and templates may refer to. */
export const RuleContext = v.object({ alert: RuleAlert, transition: RuleTransition })
export type RuleContext = v.InferOutput<typeof RuleContext>
