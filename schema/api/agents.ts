import * as v from 'valibot'
import { Facts } from '../agent/facts'
import { Labels, PageQuery, pageOf, Timestamp, Ulid } from '../common'

export const CreateEnrolmentTokenBody = v.strictObject({
  /** How long the token may be used; 24 hours unless given, 30 days at most. */
  expires_in_seconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(30 * 24 * 3600)),
    24 * 3600,
  ),
  /** How many agents may enrol with it. */
  max_uses: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 1),
  /** Labels every agent enrolled with it gets. */
  labels: v.optional(Labels, {}),
})
export type CreateEnrolmentTokenBody = v.InferOutput<typeof CreateEnrolmentTokenBody>

export const EnrolmentToken = v.object({
  id: Ulid,
  created_at: Timestamp,
  expires_at: Timestamp,
  max_uses: v.number(),
  uses: v.number(),
  labels: Labels,
  revoked_at: v.nullable(Timestamp),
})
export type EnrolmentToken = v.InferOutput<typeof EnrolmentToken>
export const EnrolmentTokenPage = pageOf(EnrolmentToken)

/** Answer to a token's creation: the only time the token itself is shown. */
export const CreatedEnrolmentToken = v.object({ ...EnrolmentToken.entries, token: v.nullable(v.string()) })

export const AgentStatus = v.picklist(['pending', 'approved', 'rejected', 'revoked'])
export const Presence = v.picklist(['online', 'offline'])

/** An agent as the API shows it: the host it runs on, its state and its latest facts. */
export const Agent = v.object({
  id: Ulid,
  site_id: Ulid,
  hostname: v.string(),
  labels: Labels,
  status: AgentStatus,
  presence: Presence,
  version: v.nullable(v.string()),
  facts: Facts,
  enrolled_at: Timestamp,
  last_seen_at: v.nullable(Timestamp),
})
export type Agent = v.InferOutput<typeof Agent>
export const AgentPage = pageOf(Agent)

const LabelSelector = v.pipe(v.string(), v.regex(/^[^=]+=.*$/, 'label filter is key=value'))

export const ListSiteAgentsQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  status: v.optional(AgentStatus),
  presence: v.optional(Presence),
  label: v.optional(LabelSelector),
})
export type ListSiteAgentsQuery = v.InferOutput<typeof ListSiteAgentsQuery>

/** Filters on the tenant-wide inventory of hosts. */
export const ListAgentsQuery = v.object({
  ...ListSiteAgentsQuery.entries,
  site_id: v.optional(Ulid),
  os: v.optional(v.pipe(v.string(), v.maxLength(64))),
  arch: v.optional(v.pipe(v.string(), v.maxLength(64))),
  hostname: v.optional(v.pipe(v.string(), v.maxLength(253))),
})
export type ListAgentsQuery = v.InferOutput<typeof ListAgentsQuery>

export const DecideAgentBody = v.optional(
  v.strictObject({ reason: v.optional(v.pipe(v.string(), v.maxLength(500))) }),
  {},
)
export type CreatedEnrolmentToken = v.InferOutput<typeof CreatedEnrolmentToken>

/** Answer to a facts refresh: how many connected agents were asked. */
export const RefreshedFacts = v.object({ agents: v.number() })
export type RefreshedFacts = v.InferOutput<typeof RefreshedFacts>
