import * as v from 'valibot'
import { PageQuery, pageOf, SecretName, Timestamp, Ulid } from '../common'
import { SightingKey } from './discovery'
import { EntityName, Tags } from './entity'
import { EntityKind } from './kinds'
import { RelationType } from './relations'

/**
 * Cloud connectors: an agent of the site reads a cloud account's inventory with read-only
 * credentials it holds itself, and reports what it found. The platform stores only the names
 * of the agent's secrets, never their values.
 */

export const CONNECTOR_PROVIDERS = ['aws', 'openstack'] as const
export const ConnectorProvider = v.picklist(CONNECTOR_PROVIDERS)
export type ConnectorProvider = v.InferOutput<typeof ConnectorProvider>

/** What a connector reads, each on its own interval. */
export const CONNECTOR_RESOURCE_TYPES = ['servers', 'load_balancers', 'databases', 'datacenters'] as const
export const ConnectorResourceType = v.picklist(CONNECTOR_RESOURCE_TYPES)
export type ConnectorResourceType = v.InferOutput<typeof ConnectorResourceType>

/** The resource types each provider can read. */
export const PROVIDER_RESOURCE_TYPES: Record<ConnectorProvider, readonly ConnectorResourceType[]> = {
  aws: CONNECTOR_RESOURCE_TYPES,
  openstack: ['servers', 'load_balancers'],
}

export const DEFAULT_INTERVALS: Record<ConnectorResourceType, number> = {
  servers: 300,
  load_balancers: 900,
  databases: 900,
  datacenters: 3600,
}
export const MIN_INTERVAL_SECONDS = 60

/** Seconds between syncs of a resource type, or `false` to switch it off. */
const Interval = v.union([
  v.pipe(v.number(), v.integer(), v.minValue(MIN_INTERVAL_SECONDS), v.maxValue(7 * 86_400)),
  v.literal(false),
])
export const ConnectorIntervals = v.strictObject({
  servers: v.optional(Interval),
  load_balancers: v.optional(Interval),
  databases: v.optional(Interval),
  datacenters: v.optional(Interval),
})
export type ConnectorIntervals = v.InferOutput<typeof ConnectorIntervals>

/**
 * Secrets are only ever named (`sitewire-agent secrets set NAME` on the agent): a value that looks
 * like a key is taken as a name too, and never used as a key.
 */

const Region = v.pipe(v.string(), v.regex(/^[a-z0-9-]{2,40}$/, 'a region name such as eu-west-1'))
const HttpUrl = v.pipe(
  v.string(),
  v.maxLength(2000),
  v.url('must be a URL'),
  v.regex(/^https?:\/\//, 'must be an http(s) URL'),
)
const Text = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))

export const AwsSettings = v.strictObject({
  regions: v.pipe(v.array(Region), v.minLength(1, 'at least one region'), v.maxLength(40)),
  /** Another endpoint than AWS's own, for every service: a VPC endpoint, LocalStack, a test's stand-in. */
  endpoint: v.optional(HttpUrl),
  access_key_id_secret: v.optional(SecretName, 'AWS_ACCESS_KEY_ID'),
  secret_access_key_secret: v.optional(SecretName, 'AWS_SECRET_ACCESS_KEY'),
  session_token_secret: v.optional(SecretName),
})
export type AwsSettings = v.InferOutput<typeof AwsSettings>

export const OpenStackSettings = v.pipe(
  v.strictObject({
    auth_url: HttpUrl,
    region: v.optional(Text),
    /** The catalogue's endpoint interface to use. */
    interface: v.optional(v.picklist(['public', 'internal', 'admin']), 'public'),
    project_name: v.optional(Text),
    project_id: v.optional(Text),
    project_domain_name: v.optional(Text, 'Default'),
    user_domain_name: v.optional(Text, 'Default'),
    username: v.optional(Text),
    password_secret: v.optional(SecretName),
    application_credential_id_secret: v.optional(SecretName),
    application_credential_secret_secret: v.optional(SecretName),
  }),
  v.check(
    (s) =>
      (s.username !== undefined && s.password_secret !== undefined) ||
      (s.application_credential_id_secret !== undefined &&
        s.application_credential_secret_secret !== undefined),
    'give username and password_secret, or application_credential_id_secret and application_credential_secret_secret',
  ),
)
export type OpenStackSettings = v.InferOutput<typeof OpenStackSettings>

const common = {
  name: EntityName,
  /** The agent that runs it: it must be an agent of the site. */
  agent_id: Ulid,
  intervals: v.optional(ConnectorIntervals, {}),
}

/** `POST …/inventory/connectors`. */
export const CreateConnectorBody = v.variant('provider', [
  v.strictObject({ ...common, provider: v.literal('aws'), aws: AwsSettings }),
  v.strictObject({ ...common, provider: v.literal('openstack'), openstack: OpenStackSettings }),
])
export type CreateConnectorBody = v.InferOutput<typeof CreateConnectorBody>

/** `PATCH …/connectors/{id}`: the fields given replace theirs; `intervals` merge per type; the provider stays. */
export const UpdateConnectorBody = v.strictObject({
  name: v.optional(EntityName),
  agent_id: v.optional(Ulid),
  intervals: v.optional(ConnectorIntervals),
  aws: v.optional(AwsSettings),
  openstack: v.optional(OpenStackSettings),
})
export type UpdateConnectorBody = v.InferOutput<typeof UpdateConnectorBody>

/** A connector's configuration as stored and sent to its agent: every interval resolved. */
export const ConnectorSpec = v.variant('provider', [
  v.object({
    name: v.string(),
    agent_id: Ulid,
    provider: v.literal('aws'),
    aws: AwsSettings,
    intervals: v.record(ConnectorResourceType, v.union([v.number(), v.literal(false)])),
  }),
  v.object({
    name: v.string(),
    agent_id: Ulid,
    provider: v.literal('openstack'),
    openstack: OpenStackSettings,
    intervals: v.record(ConnectorResourceType, v.union([v.number(), v.literal(false)])),
  }),
])
export type ConnectorSpec = v.InferOutput<typeof ConnectorSpec>

/** `POST …/connectors/{id}/sync`: every type it reads, or those named. */
export const SyncConnectorBody = v.strictObject({
  resource_types: v.optional(v.pipe(v.array(ConnectorResourceType), v.minLength(1))),
})
export type SyncConnectorBody = v.InferOutput<typeof SyncConnectorBody>

/** A problem a sync met, with what a person can do about it. */
export const SyncError = v.object({
  code: v.pipe(v.string(), v.maxLength(100)),
  message: v.pipe(v.string(), v.maxLength(2000)),
  hint: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  /** The region or service it concerns, when it concerns one. */
  where: v.optional(v.pipe(v.string(), v.maxLength(200))),
})
export type SyncError = v.InferOutput<typeof SyncError>

/**
 * One thing a connector saw: `key` is stable in the cloud (an instance id, a Nova server id, a
 * load balancer's ARN), relations name other entities of the same report by their key.
 */
export const ObservedEntity = v.object({
  key: SightingKey,
  kind: EntityKind,
  name: EntityName,
  attributes: v.record(v.string(), v.unknown()),
  tags: v.optional(Tags),
  instance_id: v.optional(v.pipe(v.string(), v.maxLength(200))),
  relations: v.optional(
    v.pipe(v.array(v.object({ type: RelationType, to: SightingKey })), v.maxLength(10_000)),
  ),
})
export type ObservedEntity = v.InferOutput<typeof ObservedEntity>

/**
 * Data of `io.sitewire.connector.sync_reported`, sent by the agent: one resource type of one
 * sync. `complete` says every region and page was read, so what it lacks is gone.
 */
export const ConnectorSyncReported = v.object({
  agent_id: Ulid,
  connector_id: Ulid,
  resource_type: ConnectorResourceType,
  started_at: Timestamp,
  finished_at: Timestamp,
  complete: v.boolean(),
  entities: v.pipe(v.array(ObservedEntity), v.maxLength(5_000)),
  errors: v.pipe(v.array(SyncError), v.maxLength(100)),
})
export type ConnectorSyncReported = v.InferOutput<typeof ConnectorSyncReported>

/** What one resource type of one sync changed in the inventory. */
export const SyncCounts = v.object({
  created: v.number(),
  updated: v.number(),
  retired: v.number(),
  unchanged: v.number(),
})
export type SyncCounts = v.InferOutput<typeof SyncCounts>

/** Data of `io.sitewire.connector.synced`: a sync report as the site took it. */
export const ConnectorSynced = v.object({
  connector_id: Ulid,
  resource_type: ConnectorResourceType,
  started_at: Timestamp,
  finished_at: Timestamp,
  status: v.picklist(['succeeded', 'failed']),
  ...SyncCounts.entries,
  errors: v.array(SyncError),
})
export type ConnectorSynced = v.InferOutput<typeof ConnectorSynced>

/** Data of `io.sitewire.connector.created|updated`. */
export const ConnectorDefined = v.object({ connector_id: Ulid, spec: ConnectorSpec })
/** Data of `io.sitewire.connector.deleted`. */
export const ConnectorRef = v.object({ connector_id: Ulid })
/** Data of `io.sitewire.connector.sync_requested`. */
export const ConnectorSyncRequested = v.object({
  connector_id: Ulid,
  resource_types: v.array(ConnectorResourceType),
})

/** What a connector's agent is given: its configuration, and syncs asked for since. */
export const DeliveredConnector = v.object({
  connector_id: Ulid,
  spec: ConnectorSpec,
  /** The `seq` of the latest "sync now" per type: the agent syncs a type when this grows. */
  sync_requests: v.record(ConnectorResourceType, v.number()),
})
export type DeliveredConnector = v.InferOutput<typeof DeliveredConnector>

/** A sync as the history shows it. */
export const ConnectorSync = v.object({
  seq: v.number(),
  ...ConnectorSynced.entries,
})
export type ConnectorSync = v.InferOutput<typeof ConnectorSync>
export const ConnectorSyncPage = pageOf(ConnectorSync)

/** Where each resource type stands: its interval, last sync and when the next is due. */
export const ConnectorTypeStatus = v.object({
  interval_seconds: v.union([v.number(), v.literal(false)]),
  last_sync: v.nullable(ConnectorSync),
  next_due_at: v.nullable(Timestamp),
})

export const Connector = v.object({
  id: Ulid,
  site_id: Ulid,
  name: v.string(),
  provider: ConnectorProvider,
  agent_id: Ulid,
  aws: v.optional(AwsSettings),
  openstack: v.optional(OpenStackSettings),
  resource_types: v.record(ConnectorResourceType, ConnectorTypeStatus),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Connector = v.InferOutput<typeof Connector>
export const ConnectorPage = pageOf(Connector)

export const ConnectorListQuery = PageQuery
export const SyncHistoryQuery = PageQuery
