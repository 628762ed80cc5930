import * as v from 'valibot'
import { pageOf, Timestamp, Ulid } from '../common'

/** Roles, weakest first: viewer reads; operator also runs tasks and manages agents and tasks; admin does everything. */
export const ROLES = ['viewer', 'operator', 'admin'] as const
export const Role = v.picklist(ROLES)
export type Role = v.InferOutput<typeof Role>

/** What an API key may be used for. */
export const SCOPES = ['api', 'agent-enrol', 'webhook'] as const
export const Scope = v.picklist(SCOPES)
export type Scope = v.InferOutput<typeof Scope>

const Name = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(100))

export const CreateApiKeyBody = v.pipe(
  v.strictObject({
    name: Name,
    role: Role,
    site_id: v.optional(v.nullable(Ulid), null),
    scopes: v.optional(v.pipe(v.array(Scope), v.minLength(1), v.maxLength(SCOPES.length)), ['api']),
    expires_at: v.optional(v.nullable(Timestamp), null),
  }),
  v.forward(
    v.check(
      (body) => body.expires_at === null || Date.parse(body.expires_at) > Date.now(),
      'expires_at must be in the future',
    ),
    ['expires_at'],
  ),
)
export type CreateApiKeyBody = v.InferOutput<typeof CreateApiKeyBody>

/** An API key as listed: never its secret. */
export const ApiKey = v.object({
  id: Ulid,
  name: v.string(),
  role: Role,
  site_id: v.nullable(Ulid),
  scopes: v.array(Scope),
  /** The first characters of the secret, to recognise a key. */
  prefix: v.string(),
  owner: v.nullable(v.object({ type: v.picklist(['user', 'key']), id: v.string() })),
  created_at: Timestamp,
  last_used_at: v.nullable(Timestamp),
  expires_at: v.nullable(Timestamp),
  revoked_at: v.nullable(Timestamp),
})
export type ApiKey = v.InferOutput<typeof ApiKey>
export const ApiKeyPage = pageOf(ApiKey)

/**
 * Answer to a key's creation: the only time its secret is shown. A repeat of the request
 * with the same Idempotency-Key answers the same key with `secret: null`.
 */
export const CreatedApiKey = v.object({ ...ApiKey.entries, secret: v.nullable(v.string()) })
export type CreatedApiKey = v.InferOutput<typeof CreatedApiKey>

export const ListApiKeysQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), '100'),
  cursor: v.optional(Ulid),
  include_revoked: v.optional(v.picklist(['true', 'false']), 'false'),
})

export const GrantSubject = v.object({ type: v.picklist(['user', 'team']), id: Ulid })

export const CreateGrantBody = v.strictObject({
  subject: GrantSubject,
  role: Role,
  site_id: v.optional(v.nullable(Ulid), null),
})
export type CreateGrantBody = v.InferOutput<typeof CreateGrantBody>

export const Grant = v.object({
  id: Ulid,
  subject: GrantSubject,
  role: Role,
  site_id: v.nullable(Ulid),
  created_at: Timestamp,
})
export type Grant = v.InferOutput<typeof Grant>
export const GrantPage = pageOf(Grant)

export const AuditActor = v.object({
  type: v.picklist(['key', 'user', 'anonymous']),
  id: v.nullable(v.string()),
})

/** One audit record: who did what to which object, when, from where, and how it ended. */
export const AuditEntry = v.object({
  id: Ulid,
  time: Timestamp,
  actor: AuditActor,
  action: v.string(),
  object: v.object({ type: v.string(), id: v.nullable(v.string()) }),
  site_id: v.nullable(v.string()),
  address: v.nullable(v.string()),
  status: v.number(),
  details: v.nullable(v.record(v.string(), v.unknown())),
})
export type AuditEntry = v.InferOutput<typeof AuditEntry>
/** What a write records; the trail adds the id and the time. */
export type AuditRecord = Omit<AuditEntry, 'id' | 'time'>
export const AuditPage = pageOf(AuditEntry)

export const ListAuditQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), '100'),
  cursor: v.optional(Ulid),
  actor_id: v.optional(v.pipe(v.string(), v.maxLength(100))),
  action: v.optional(v.pipe(v.string(), v.maxLength(100))),
  object_id: v.optional(v.pipe(v.string(), v.maxLength(100))),
  site_id: v.optional(Ulid),
  since: v.optional(Timestamp),
  until: v.optional(Timestamp),
})
export type ListAuditQuery = v.InferOutput<typeof ListAuditQuery>
