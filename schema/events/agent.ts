import * as v from 'valibot'
import { Facts, MAX_PACKAGES } from '../agent/facts'
import { Labels, Ulid } from '../common'

const Version = v.pipe(v.string(), v.maxLength(64))

/** Data of `io.sitewire.enrolment_token.created`: never the token itself. */
export const EnrolmentTokenCreated = v.object({
  token_id: Ulid,
  expires_at: v.string(),
  max_uses: v.pipe(v.number(), v.integer(), v.minValue(1)),
  labels: Labels,
})
export const EnrolmentTokenRevoked = v.object({ token_id: Ulid })

/** Data of `io.sitewire.agent.enrolled`. */
export const AgentEnrolled = v.object({
  agent_id: Ulid,
  token_id: Ulid,
  /** The agent's Ed25519 public key, as a JWK `x` (base64url of the 32 raw bytes). */
  public_key: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)),
  hostname: v.pipe(v.string(), v.maxLength(253)),
  labels: Labels,
  status: v.picklist(['pending', 'approved']),
})

export const AgentDecided = v.object({
  agent_id: Ulid,
  reason: v.optional(v.pipe(v.string(), v.maxLength(500))),
})

/** Data of `io.sitewire.agent.connected`. */
export const AgentConnected = v.object({
  agent_id: Ulid,
  version: Version,
  protocol: v.pipe(v.number(), v.integer()),
  address: v.nullable(v.string()),
})
export const AgentDisconnected = v.object({
  agent_id: Ulid,
  /** `lost`: the platform found no connection for an agent it had online, after a restart say. */
  reason: v.picklist(['closed', 'replaced', 'revoked', 'error', 'lost']),
})

/**
 * Data of `io.sitewire.agent.facts_reported`: the facts that changed, and the ones now gone.
 * Installed packages are many and change a few at a time: once the platform has the list, a
 * report carries only the packages installed or upgraded and those removed (`packages_delta`).
 */
export const AgentFactsReported = v.object({
  agent_id: Ulid,
  changed: Facts,
  removed: v.array(v.string()),
  packages_delta: v.optional(
    v.object({
      installed: v.record(v.pipe(v.string(), v.maxLength(256)), v.pipe(v.string(), v.maxLength(128))),
      removed: v.pipe(v.array(v.pipe(v.string(), v.maxLength(256))), v.maxLength(MAX_PACKAGES)),
    }),
  ),
})
export type AgentFactsReported = v.InferOutput<typeof AgentFactsReported>

/** Data of `io.sitewire.agent.spool_overflowed`: events the agent dropped while offline. */
export const AgentSpoolOverflowed = v.object({
  agent_id: Ulid,
  dropped: v.pipe(v.number(), v.integer(), v.minValue(1)),
})

/** Data of `io.sitewire.agent.facts_refresh_requested`: every connected agent was asked for its facts now. */
export const AgentFactsRefreshRequested = v.object({ agents: v.pipe(v.number(), v.integer(), v.minValue(0)) })

/** The status an agent has after each decision event. */
export const AGENT_STATUS_AFTER = {
  'io.sitewire.agent.approved': 'approved',
  'io.sitewire.agent.rejected': 'rejected',
  'io.sitewire.agent.revoked': 'revoked',
} as const
