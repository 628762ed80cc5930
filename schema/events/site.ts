import * as v from 'valibot'
import { Labels, TimeZone, Ulid } from '../common'

export const SiteName = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(100))
export const SiteDescription = v.pipe(v.string(), v.maxLength(2000))
/** Whether a newly enrolled agent may connect at once, or waits for an operator's approval. */
export const AgentApproval = v.picklist(['automatic', 'required'])
/** How many days a run's log archive is kept in R2 after the run finished. */
export const RetentionDays = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650))
export const DEFAULT_RETENTION_DAYS = 30

/** Data of `io.sitewire.site.created`. */
export const SiteCreated = v.object({
  site_id: Ulid,
  tenant_id: Ulid,
  name: SiteName,
  description: SiteDescription,
  labels: Labels,
  timezone: TimeZone,
  agent_approval: v.optional(AgentApproval, 'automatic'),
  retention_days: v.optional(RetentionDays, DEFAULT_RETENTION_DAYS),
})
export type SiteCreated = v.InferOutput<typeof SiteCreated>

/** Data of `io.sitewire.site.updated`: only the fields that changed. */
export const SiteUpdated = v.object({
  name: v.optional(SiteName),
  description: v.optional(SiteDescription),
  labels: v.optional(Labels),
  timezone: v.optional(TimeZone),
  agent_approval: v.optional(AgentApproval),
  retention_days: v.optional(RetentionDays),
})
export type SiteUpdated = v.InferOutput<typeof SiteUpdated>

/** Data of `io.sitewire.site.archived` and `io.sitewire.site.restored`. */
export const SiteArchived = v.object({ reason: v.optional(v.pipe(v.string(), v.maxLength(500))) })
export type SiteArchived = v.InferOutput<typeof SiteArchived>
export const SiteRestored = v.object({})
export type SiteRestored = v.InferOutput<typeof SiteRestored>
