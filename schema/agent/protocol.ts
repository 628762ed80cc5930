import * as v from 'valibot'
import { Labels, Ulid } from '../common'
import { AgentFactsReported, AgentSpoolOverflowed } from '../events/agent'
import { CloudEvent } from '../events/cloudevent'
import { ResourceStatusReported } from '../events/resource'
import { AgentUpgradeFailed, RolloutBuild, RolloutSigningKey } from '../events/rollout'
import { StepFinished, StepOutput, StepStarted } from '../events/run'
import { EventType } from '../events/types'
import { ConnectorSyncReported, DeliveredConnector } from '../inventory/connectors'
import { DesiredResource } from '../resources/desired'
import { Command } from '../resources/manifest'
import { Sha256, Step } from '../tasks/steps'

/**
 * The agent protocol. An agent dials out to the platform; nothing dials in.
 *
 * 1. Enrol once: `POST /v1/agents/enrol` with an enrolment token (a JWT the platform signed,
 *    whose claims name the platform URL and the site) and the agent's Ed25519 public key.
 * 2. Connect: WebSocket `GET /v1/sites/{siteId}/agents/connect` with
 *    `Authorization: Bearer <agent JWT>`: a JWT the agent signs with its private key
 *    (EdDSA), `sub` its id, `aud` the connect URL's path, valid for at most 5 minutes.
 *    No reusable secret travels or is stored on the platform.
 * 3. Frames: every text frame in either direction is JSON. Agent → platform: CloudEvents
 *    (below), each acknowledged once stored, so an agent can drop it from its spool;
 *    a platform → agent message is one of `ServerMessage`. `ping` → `pong` keeps the
 *    connection alive without waking the site's object. When the welcome offers
 *    `batch_bytes`, an agent may send several CloudEvents in one message, as a JSON array
 *    of at most that many bytes: the platform stores them in one transaction and acks them
 *    together, which is what makes a step's output cheap to store.
 */
export const PROTOCOL_VERSION = 1
/** Largest frame either side sends. */
export const MAX_FRAME_BYTES = 256 * 1024
/** Largest message of several frames an agent sends, under the 1 MiB a WebSocket message may carry. */
export const MAX_BATCH_BYTES = 1_000_000
/** Longest an agent's connect JWT may live. */
export const MAX_AGENT_JWT_SECONDS = 300
/** Headers the agent sends with its connect request. */
export const AGENT_VERSION_HEADER = 'sitewire-agent-version'
export const PROTOCOL_HEADER = 'sitewire-protocol'

/** Claims of an enrolment token (HS256, signed by the site). */
export const EnrolmentClaims = v.object({
  /** The platform's base URL, so `sitewire-agent enrol TOKEN` needs nothing else. */
  url: v.pipe(v.string(), v.url()),
  site: Ulid,
  sub: Ulid,
  exp: v.number(),
  aud: v.literal('sitewire-enrol'),
})
export type EnrolmentClaims = v.InferOutput<typeof EnrolmentClaims>

export const EnrolBody = v.strictObject({
  token: v.pipe(v.string(), v.maxLength(4096)),
  /** The agent's Ed25519 public key as a JWK `x`: base64url of the 32 raw bytes. */
  public_key: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'an Ed25519 public key, base64url')),
  hostname: v.pipe(v.string(), v.minLength(1), v.maxLength(253)),
  labels: v.optional(Labels, {}),
})
export type EnrolBody = v.InferOutput<typeof EnrolBody>

export const Enrolled = v.object({
  agent_id: Ulid,
  site_id: Ulid,
  status: v.picklist(['pending', 'approved']),
  connect_url: v.string(),
  /** The tenant's build-signing key, which the agent trusts from now on; null while the tenant has none. */
  signing_key: v.optional(v.nullable(RolloutSigningKey), null),
})
export type Enrolled = v.InferOutput<typeof Enrolled>

const frame = <T extends string, D extends v.GenericSchema>(type: T, data: D) =>
  v.object({ ...CloudEvent.pipe[0].entries, type: v.literal(type), data })

/** What an agent may send. `source` must be `/sites/{siteId}/agents/{agentId}` and `data.agent_id` its own id. */
export const AgentFrame = v.variant('type', [
  frame(EventType.agentFactsReported, AgentFactsReported),
  frame(EventType.agentSpoolOverflowed, AgentSpoolOverflowed),
  frame(EventType.stepStarted, StepStarted),
  frame(EventType.stepOutput, StepOutput),
  frame(EventType.stepFinished, StepFinished),
  frame(EventType.resourceStatusReported, ResourceStatusReported),
  frame(EventType.agentUpgradeFailed, AgentUpgradeFailed),
  frame(EventType.connectorSyncReported, ConnectorSyncReported),
])
export type AgentFrame = v.InferOutput<typeof AgentFrame>

/** Error codes that end an agent for good: it was rejected or revoked, and must enrol again. */
export const REFUSAL_CODES = ['agent_rejected', 'agent_revoked'] as const

/**
 * What the platform sends an agent. An `error` with one of `REFUSAL_CODES` (and no event id)
 * comes just before the platform closes the connection: the agent stops at once rather than
 * wait for the closing handshake.
 */
export const ServerMessage = v.variant('type', [
  v.object({
    type: v.literal('welcome'),
    agent_id: Ulid,
    site_id: Ulid,
    status: v.picklist(['pending', 'approved']),
    /** How often the agent refreshes its facts. */
    facts_interval_seconds: v.number(),
    /** The platform takes a JSON array of frames in one message, up to these bytes; absent: one frame per message. */
    batch_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(MAX_FRAME_BYTES))),
  }),
  /** These event ids are stored (or were already): drop them from the spool. */
  v.object({ type: v.literal('ack'), ids: v.array(v.string()) }),
  /**
   * A frame was refused. `retryable`: not now, but it may be stored later, so it stays in
   * the spool and goes again on the next connection; otherwise it never will be.
   */
  v.object({
    type: v.literal('error'),
    code: v.string(),
    message: v.string(),
    event_id: v.nullable(v.string()),
    retryable: v.boolean(),
  }),
  /** Run one step of a run. The agent answers with step events, `step.finished` last. */
  v.object({
    type: v.literal('step'),
    run_id: Ulid,
    index: v.pipe(v.number(), v.integer(), v.minValue(0)),
    attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
    /** Parameters filled in; `{{ secrets.NAME }}` left for the agent. */
    step: Step,
    /** For a file push: where to GET the content (with the agent's JWT), and its checksum. */
    file: v.optional(v.object({ url: v.string(), sha256: Sha256, bytes: v.number() })),
    /** For a file fetch: where to PUT the content (with the agent's JWT). */
    upload_url: v.optional(v.string()),
  }),
  /** Stop whatever the agent runs for this run: kill the process, answer `cancelled`. */
  v.object({ type: v.literal('cancel'), run_id: Ulid }),
  /** Report facts now, complete. */
  v.object({ type: v.literal('refresh_facts') }),
  /**
   * Every resource the agent is to keep, complete: sent on connect and after each change, in
   * `parts` messages of one `set` when it does not fit in one frame; the set counts once all its
   * parts came. What is no longer in it the agent stops managing; one marked `deleting` it
   * removes and reports gone.
   */
  v.object({
    type: v.literal('resources'),
    set: v.string(),
    part: v.pipe(v.number(), v.integer(), v.minValue(1)),
    parts: v.pipe(v.number(), v.integer(), v.minValue(1)),
    resources: v.array(DesiredResource),
    /** The site's command for kinds the agent has no applier of its own for. */
    applier: v.nullable(Command),
  }),
  /**
   * Every cloud connector the agent runs, complete: sent on connect and after each change. The
   * agent keeps them on disk and syncs each resource type on its interval, connected or not; a
   * type whose `sync_requests` entry grew is synced at once.
   */
  v.object({ type: v.literal('connectors'), connectors: v.array(DeliveredConnector) }),
  /**
   * Upgrade to this build: GET it from `url` (with the agent's JWT for that path), check its
   * SHA-256 and its signature with the signing key the agent trusts, swap it in and restart;
   * the restarted agent reports its version on connect. A build the agent refuses or rolls back
   * from it reports as `agent.upgrade_failed`. `signing_key` is the tenant's key now: an agent
   * trusting none takes it, one trusting another moves to it only along its endorsement.
   */
  v.object({
    type: v.literal('upgrade'),
    rollout_id: Ulid,
    build: RolloutBuild,
    url: v.string(),
    signing_key: v.nullable(RolloutSigningKey),
    /** How long the new build has to connect before the agent rolls back. */
    healthy_within_seconds: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
])
export type ServerMessage = v.InferOutput<typeof ServerMessage>

/**
 * Where an agent GETs a file uploaded to its site, with a JWT for exactly this path: for a push
 * step it is on, or a `File` resource it keeps.
 */
export const agentFilePath = (siteId: string, fileId: string) => `/v1/sites/${siteId}/agents/files/${fileId}`
