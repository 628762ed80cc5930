import * as v from 'valibot'
import { Labels, TimeZone, Ulid } from '../common'

export const SiteName = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(100))
export const SiteDescription = v.pipe(v.string(), v.maxLength(2000))
/** Whether a newly enrolled agent may connect at once, or waits for an operator's approval. */
export const AgentApproval = v.picklist(['automatic', 'required'])

/** Data of `io.sitewire.site.created`. */
export const SiteCreated = v.object({
  site_id: Ulid,
  tenant_id: Ulid,
  name: SiteName,
  description: SiteDescription,
  labels: Labels,
  timezone: TimeZone,
  agent_approval: v.optional(AgentApproval, 'automatic'),
})
export type SiteCreated = v.InferOutput<typeof SiteCreated>

/** Data of `io.sitewire.site.updated`: only the fields that changed. */
export const SiteUpdated = v.object({
  name: v.optional(SiteName),
  description: v.optional(SiteDescription),
  labels: v.optional(Labels),
  timezone: v.optional(TimeZone),
  agent_approval: v.optional(AgentApproval),
})
export type SiteUpdated = v.InferOutput<typeof SiteUpdated>

/** Data of `io.sitewire.site.archived` and `io.sitewire.site.restored`. */
export const SiteArchived = v.object({ reason: v.optional(v.pipe(v.string(), v.maxLength(500))) })
export type SiteArchived = v.InferOutput<typeof SiteArchived>
export const SiteRestored = v.object({})
export type SiteRestored = v.InferOutput<typeof SiteRestored>
