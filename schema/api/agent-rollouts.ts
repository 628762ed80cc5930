import * as v from 'valibot'
import { Labels, PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { RolloutBuild } from '../events/rollout'

/** `POST /v1/sites/{siteId}/agent-rollouts`. */
export const CreateRolloutBody = v.strictObject({
  build_id: Ulid,
  /** Agents whose labels include all of these; absent or null: every approved agent of the site. */
  selector: v.optional(v.nullable(Labels), null),
  /** Agents upgraded at once; the next batch starts when all of this one are back or failed. */
  batch_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 1),
  /** Failed agents tolerated; one more halts the rollout. */
  failure_budget: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)), 0),
  /** How long an agent has to come back reporting the build's version. */
  timeout_seconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(86_400)), 300),
  /** Send a build whose signature did not verify on upload: agents refuse it; for testing a fleet's refusal. */
  allow_unverified: v.optional(v.boolean(), false),
})
export type CreateRolloutBody = v.InferOutput<typeof CreateRolloutBody>

export const RolloutAgentView = v.object({
  agent_id: Ulid,
  state: v.picklist(['waiting', 'upgrading', 'upgraded', 'failed']),
  batch: v.nullable(v.number()),
  reason: v.nullable(v.string()),
})

/** A rollout of an agent build to a site's agents, with each agent's progress. */
export const AgentRollout = v.object({
  id: Ulid,
  site_id: Ulid,
  build: RolloutBuild,
  selector: v.nullable(Labels),
  batch_size: v.number(),
  failure_budget: v.number(),
  timeout_seconds: v.number(),
  status: v.picklist(['running', 'paused', 'completed', 'halted', 'cancelled']),
  /** The batch last started; 0 before the first. */
  batch: v.number(),
  /** When the agents of the current batch must be back. */
  deadline: v.nullable(Timestamp),
  counts: v.object({ waiting: v.number(), upgrading: v.number(), upgraded: v.number(), failed: v.number() }),
  agents: v.array(RolloutAgentView),
  /** Why it halted. */
  reason: v.nullable(v.string()),
  created_at: Timestamp,
  finished_at: v.nullable(Timestamp),
})
export type AgentRollout = v.InferOutput<typeof AgentRollout>
export const AgentRolloutPage = pageOf(AgentRollout)

export const ListRolloutsQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })
export type ListRolloutsQuery = v.InferOutput<typeof ListRolloutsQuery>
