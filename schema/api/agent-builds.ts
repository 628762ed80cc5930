import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { Sha256 } from '../tasks/steps'

/** Largest agent build: the bundle is a few MiB; the platform holds one in memory to check it. */
export const MAX_AGENT_BUILD_BYTES = 32 * 1024 * 1024

/** An Ed25519 public key as a JWK `x`: base64url of its 32 raw bytes. */
export const Ed25519PublicKey = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{43}$/, 'an Ed25519 public key, base64url'),
)

/** A compact JWS (EdDSA) made by `sitewire agent-builds sign` or `… rotate-key`. */
export const CompactJws = v.pipe(
  v.string(),
  v.maxLength(2048),
  v.regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a compact JWS'),
)

/** An agent version, as the agent reports it on connect. */
export const AgentVersion = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(64),
  v.regex(/^[0-9A-Za-z.+_-]+$/, 'letters, digits and . + _ -'),
)

/**
 * `PUT /v1/agent-signing-key`: the public half of the tenant's build-signing key; the private
 * half stays with the tenant. Replacing a key needs `endorsement`: the new key signed with
 * the current one, so agents that trust the current key can trust the new one.
 */
export const PutSigningKeyBody = v.strictObject({
  public_key: Ed25519PublicKey,
  endorsement: v.optional(v.nullable(CompactJws), null),
})
export type PutSigningKeyBody = v.InferOutput<typeof PutSigningKeyBody>

/** The tenant's build-signing key, as agents are given it. */
export const SigningKey = v.object({
  public_key: Ed25519PublicKey,
  /** The key signed with the key it replaced; null for a tenant's first key. */
  endorsement: v.nullable(CompactJws),
  set_at: Timestamp,
})
export type SigningKey = v.InferOutput<typeof SigningKey>

/** `POST /v1/agent-builds?version=&signature=`: the body is the bundled `.mjs`. */
export const UploadAgentBuildQuery = v.object({
  version: AgentVersion,
  /** The build signed by `sitewire agent-builds sign`; absent: an unsigned build, which agents refuse. */
  signature: v.optional(CompactJws),
})
export type UploadAgentBuildQuery = v.InferOutput<typeof UploadAgentBuildQuery>

/** What the platform found of a build's signature against the tenant's key when it was uploaded. */
export const SignatureStatus = v.picklist(['valid', 'invalid', 'unsigned'])
export type SignatureStatus = v.InferOutput<typeof SignatureStatus>

/** An uploaded agent build. Its bytes are at `…/content`. */
export const AgentBuild = v.object({
  id: Ulid,
  version: AgentVersion,
  sha256: Sha256,
  bytes: v.number(),
  signature: v.nullable(CompactJws),
  signature_status: SignatureStatus,
  created_at: Timestamp,
  created_by: v.string(),
})
export type AgentBuild = v.InferOutput<typeof AgentBuild>
export const AgentBuildPage = pageOf(AgentBuild)

export const ListAgentBuildsQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })
export type ListAgentBuildsQuery = v.InferOutput<typeof ListAgentBuildsQuery>
