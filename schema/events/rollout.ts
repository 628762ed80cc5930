import * as v from 'valibot'
import { Labels, Timestamp, Ulid } from '../common'
import { Sha256 } from '../tasks/steps'

const Version = v.pipe(v.string(), v.maxLength(64))
const Reason = v.pipe(v.string(), v.maxLength(500))

/** The build a rollout sends, as it was when the rollout started. */
export const RolloutBuild = v.object({
  id: Ulid,
  version: Version,
  sha256: Sha256,
  bytes: v.number(),
  signature: v.nullable(v.string()),
})
export type RolloutBuild = v.InferOutput<typeof RolloutBuild>

/** The tenant's signing key when the rollout started: agents trust it, or move to it along its endorsement. */
export const RolloutSigningKey = v.object({ public_key: v.string(), endorsement: v.nullable(v.string()) })
export type RolloutSigningKey = v.InferOutput<typeof RolloutSigningKey>

/** Data of `io.sitewire.rollout.started`: the agents it will upgrade, in the order it goes. */
export const RolloutStarted = v.object({
  rollout_id: Ulid,
  build: RolloutBuild,
  signing_key: v.nullable(RolloutSigningKey),
  selector: v.nullable(Labels),
  agent_ids: v.array(Ulid),
  batch_size: v.pipe(v.number(), v.integer(), v.minValue(1)),
  failure_budget: v.pipe(v.number(), v.integer(), v.minValue(0)),
  timeout_seconds: v.pipe(v.number(), v.integer(), v.minValue(1)),
})
export type RolloutStarted = v.InferOutput<typeof RolloutStarted>

/** Data of `io.sitewire.rollout.batch_started`: these agents are sent the build, and have until `deadline`. */
export const RolloutBatchStarted = v.object({
  rollout_id: Ulid,
  batch: v.pipe(v.number(), v.integer(), v.minValue(1)),
  agent_ids: v.array(Ulid),
  deadline: Timestamp,
})

/** Data of `io.sitewire.rollout.agent_upgraded`: the agent came back reporting the build's version. */
export const RolloutAgentUpgraded = v.object({ rollout_id: Ulid, agent_id: Ulid, version: Version })

/** Data of `io.sitewire.rollout.agent_failed`. */
export const RolloutAgentFailed = v.object({ rollout_id: Ulid, agent_id: Ulid, reason: Reason })

/** Data of `io.sitewire.rollout.paused` and `….resumed`. */
export const RolloutRef = v.object({ rollout_id: Ulid })

/** Data of `io.sitewire.rollout.finished`. */
export const RolloutFinished = v.object({
  rollout_id: Ulid,
  status: v.picklist(['completed', 'halted', 'cancelled']),
  reason: v.nullable(Reason),
})

/** Data of `io.sitewire.agent.upgrade_failed`, sent by an agent: it refused a build, or rolled back from it. */
export const AgentUpgradeFailed = v.object({
  agent_id: Ulid,
  rollout_id: v.nullable(Ulid),
  build_id: Ulid,
  version: Version,
  stage: v.picklist(['refused', 'rolled_back']),
  reason: Reason,
})
export type AgentUpgradeFailed = v.InferOutput<typeof AgentUpgradeFailed>
