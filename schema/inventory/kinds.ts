import * as v from 'valibot'

/** The kinds of inventory entity, after the Maestro Server model (NetBox has no load balancer kind). */
export const ENTITY_KINDS = [
  'server',
  'application',
  'database',
  'datacenter',
  'load_balancer',
  'system',
  'client',
  'service',
] as const
export const EntityKind = v.picklist(ENTITY_KINDS)
export type EntityKind = v.InferOutput<typeof EntityKind>

const Text = v.pipe(v.string(), v.trim(), v.maxLength(200))
const OptionalText = v.optional(Text)
const Ipv4 = v.pipe(v.string(), v.ipv4('must be an IPv4 address'))
const Ipv4List = v.optional(v.pipe(v.array(Ipv4), v.maxLength(64)), [])
const Count = v.pipe(v.number(), v.integer(), v.minValue(0))
const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))
const TextList = v.optional(v.pipe(v.array(Text), v.maxLength(200)), [])

/** How people reach a server. */
export const AuthMethod = v.picklist(['password', 'ssh_key', 'ldap', 'kerberos', 'token', 'cloud_iam'])

export const ServerAttributes = v.strictObject({
  hostname: v.pipe(Text, v.minLength(1, 'a server needs a hostname')),
  private_ipv4: Ipv4List,
  public_ipv4: Ipv4List,
  os: v.optional(v.strictObject({ base: OptionalText, distro: OptionalText, version: OptionalText }), {}),
  cpu_cores: v.optional(Count),
  memory_mb: v.optional(Count),
  /** One of the site's configured environments, when it has any. */
  environment: OptionalText,
  storage: v.optional(
    v.pipe(v.array(v.strictObject({ name: Text, size_gb: Count, type: OptionalText })), v.maxLength(64)),
    [],
  ),
  region: OptionalText,
  zone: OptionalText,
  instance_id: OptionalText,
  /** A cloud's size of it (`t3.micro`, a Nova flavor) and its state there (`running`, `stopped`, `ACTIVE`). */
  instance_type: OptionalText,
  instance_state: OptionalText,
  auth_methods: v.optional(v.pipe(v.array(AuthMethod), v.maxLength(6)), []),
  /** Names of the services running on it, as a person or discovery recorded them. */
  services: TextList,
})

export const ApplicationAttributes = v.strictObject({
  role: OptionalText,
  language: OptionalText,
  /** How it is deployed: a package, a container image, a serverless function… */
  deploy: OptionalText,
  owner_team: OptionalText,
  environment: OptionalText,
})

/** What a cloud says of a managed database: where it answers, and its size there (`db.t3.micro`). */
const cloudDatabase = { endpoint: OptionalText, instance_class: OptionalText }

/** Fields only some database engines have; each engine takes its own, and no other's. */
export const DatabaseAttributes = v.variant('engine', [
  v.strictObject({
    engine: v.literal('oracle'),
    version: OptionalText,
    environment: OptionalText,
    cloud_instance: OptionalText,
    ...cloudDatabase,
    sid: OptionalText,
    service_name: OptionalText,
  }),
  v.strictObject({
    engine: v.literal('mysql'),
    version: OptionalText,
    environment: OptionalText,
    cloud_instance: OptionalText,
    ...cloudDatabase,
    replication_role: v.optional(v.picklist(['primary', 'replica', 'standalone'])),
  }),
  v.strictObject({
    engine: v.literal('postgresql'),
    version: OptionalText,
    environment: OptionalText,
    cloud_instance: OptionalText,
    ...cloudDatabase,
    replication_role: v.optional(v.picklist(['primary', 'standby', 'standalone'])),
  }),
  v.strictObject({
    engine: v.picklist(['mssql', 'mongodb', 'redis', 'other']),
    version: OptionalText,
    environment: OptionalText,
    cloud_instance: OptionalText,
    ...cloudDatabase,
  }),
])

export const DatacenterAttributes = v.strictObject({
  provider: OptionalText,
  regions: v.optional(v.pipe(v.array(v.strictObject({ name: Text, zones: TextList })), v.maxLength(100)), []),
})

export const LoadBalancerAttributes = v.strictObject({
  listeners: v.optional(
    v.pipe(
      v.array(v.strictObject({ protocol: v.picklist(['tcp', 'udp', 'http', 'https', 'tls']), port: Port })),
      v.maxLength(100),
    ),
    [],
  ),
  environment: OptionalText,
  region: OptionalText,
})

export const SystemAttributes = v.strictObject({ description: OptionalText, environment: OptionalText })

export const ClientAttributes = v.strictObject({ contact: OptionalText, email: OptionalText })

export const ServiceAttributes = v.strictObject({
  /** One of the site's configured service families, when it has any. */
  family: OptionalText,
  ports: v.optional(v.pipe(v.array(Port), v.maxLength(100)), []),
})

/** Each kind's own fields. */
export const KIND_ATTRIBUTES = {
  server: ServerAttributes,
  application: ApplicationAttributes,
  database: DatabaseAttributes,
  datacenter: DatacenterAttributes,
  load_balancer: LoadBalancerAttributes,
  system: SystemAttributes,
  client: ClientAttributes,
  service: ServiceAttributes,
} as const satisfies Record<EntityKind, v.GenericSchema>

export type EntityAttributes = v.InferOutput<(typeof KIND_ATTRIBUTES)[EntityKind]>
