import * as v from 'valibot'
import { Labels, PageQuery, pageOf, Timestamp, TimeZone, Ulid } from '../common'
import {
  AgentApproval,
  DEFAULT_RETENTION_DAYS,
  RetentionDays,
  SiteArchived,
  SiteDescription,
  SiteName,
} from '../events/site'

export const CreateSiteBody = v.object({
  name: SiteName,
  description: v.optional(SiteDescription, ''),
  labels: v.optional(Labels, {}),
  timezone: v.optional(TimeZone, 'UTC'),
  agent_approval: v.optional(AgentApproval, 'automatic'),
  retention_days: v.optional(RetentionDays, DEFAULT_RETENTION_DAYS),
})
export type CreateSiteBody = v.InferOutput<typeof CreateSiteBody>

export const UpdateSiteBody = v.pipe(
  v.strictObject({
    name: v.optional(SiteName),
    description: v.optional(SiteDescription),
    labels: v.optional(Labels),
    timezone: v.optional(TimeZone),
    agent_approval: v.optional(AgentApproval),
    retention_days: v.optional(RetentionDays),
  }),
  v.check((body) => Object.keys(body).length > 0, 'give at least one field to change'),
)
export type UpdateSiteBody = v.InferOutput<typeof UpdateSiteBody>

export const ArchiveSiteBody = v.optional(SiteArchived, {})

export const SiteStatusName = v.picklist(['active', 'archived'])

/** A site as the API shows it. */
export const Site = v.object({
  id: Ulid,
  tenant_id: Ulid,
  name: v.string(),
  description: v.string(),
  labels: Labels,
  timezone: v.string(),
  agent_approval: AgentApproval,
  /** Days a run's log archive is kept after the run finished. */
  retention_days: v.number(),
  status: SiteStatusName,
  created_at: Timestamp,
  updated_at: Timestamp,
  archived_at: v.nullable(Timestamp),
})
export type Site = v.InferOutput<typeof Site>

export const SitePage = pageOf(Site)

export const ListSitesQuery = v.object({
  ...PageQuery.entries,
  status: v.optional(SiteStatusName),
  label: v.optional(v.pipe(v.string(), v.regex(/^[^=]+=.*$/, 'label filter is key=value'))),
})

/** Where a site's log and its projection stand. */
export const SiteStatus = v.object({
  site_id: Ulid,
  head_seq: v.number(),
  projected_seq: v.nullable(v.number()),
  lag: v.nullable(v.number()),
  projector: v.object({
    state: v.picklist(['idle', 'running', 'retrying']),
    last_error: v.nullable(v.string()),
    next_retry_at: v.nullable(Timestamp),
    failures: v.number(),
  }),
  /** Events the projector set aside because it could not apply them; the rest of the log went on. */
  quarantine: v.object({
    count: v.number(),
    first: v.nullable(v.object({ seq: v.number(), error: v.string() })),
  }),
  stream_clients: v.number(),
})
export type SiteStatus = v.InferOutput<typeof SiteStatus>

/** One event the projector set aside, with the error that stopped it. */
export const QuarantinedEvent = v.object({
  seq: v.number(),
  id: v.nullable(v.string()),
  source: v.nullable(v.string()),
  type: v.nullable(v.string()),
  error: v.string(),
  quarantined_at: Timestamp,
})
export const QuarantinePage = v.object({ items: v.array(QuarantinedEvent) })

/** What retrying the quarantined events did: those now applied leave the quarantine. */
export const QuarantineRetried = v.object({
  released: v.array(v.number()),
  still_quarantined: v.array(v.object({ seq: v.number(), error: v.string() })),
})
export type QuarantineRetried = v.InferOutput<typeof QuarantineRetried>
