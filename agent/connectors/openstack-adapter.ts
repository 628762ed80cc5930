import type {
  ConnectorResourceType,
  ObservedEntity,
  OpenStackSettings,
  SyncError,
} from '../../schema/inventory/connectors'
import { ipv4s, type SyncResult, tagSlugs, text } from './cloud-entities'
import { requireSecrets, SyncProblem, unreachable } from './sync-problems'

export interface OpenStackContext {
  connectorId: string
  agentId: string
  secrets: Record<string, string>
}

interface CatalogEntry {
  type: string
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[]
}

interface Session {
  token: string
  catalog: CatalogEntry[]
}

/** Nova's server, as much of it as the inventory takes. */
interface NovaServer {
  id: string
  name?: string
  status?: string
  addresses?: Record<string, { addr: string; version?: number; 'OS-EXT-IPS:type'?: string }[]>
  flavor?: { id?: string; original_name?: string }
  metadata?: Record<string, string>
  'OS-EXT-AZ:availability_zone'?: string
}

const PAGE_SIZE = 100
const TIMEOUT_MS = 30_000

export const openStackServerKey = (id: string) => `server/openstack/${id}`

/** A call to an OpenStack API; a failure is a problem phrased for a person. */
const call = async (url: string, init: RequestInit, what: string): Promise<Response> => {
  let response: Response
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) })
  } catch (error) {
    throw new SyncProblem(
      unreachable(new URL(url).origin, error) ?? {
        code: 'openstack_error',
        message: `${what}: ${String(error)}`,
      },
    )
  }
  if (response.ok) return response
  const body = (await response.text()).slice(0, 500)
  if (response.status === 401)
    throw new SyncProblem({
      code: 'wrong_credentials',
      message: `${what} was refused (401): ${body}`,
      hint: 'wrong credentials: check the user, project and domain, and the password or application credential in the agent’s secrets',
    })
  if (response.status === 403)
    throw new SyncProblem({
      code: 'unauthorized',
      message: `${what} was refused (403): ${body}`,
      hint: `Unauthorized: give the user a reader role on the project for ${what}`,
    })
  throw new SyncProblem({ code: 'openstack_error', message: `${what} answered ${response.status}: ${body}` })
}

/** Keystone v3: a token scoped to the project (or the application credential's), and the catalogue. */
const authenticate = async (settings: OpenStackSettings, context: OpenStackContext): Promise<Session> => {
  const identity = settings.application_credential_id_secret
    ? (() => {
        const { id, secret } = requireSecrets(
          context.secrets,
          {
            id: settings.application_credential_id_secret,
            secret: settings.application_credential_secret_secret as string,
          },
          context.agentId,
        )
        return { methods: ['application_credential'], application_credential: { id, secret } }
      })()
    : (() => {
        const { password } = requireSecrets(
          context.secrets,
          { password: settings.password_secret as string },
          context.agentId,
        )
        return {
          methods: ['password'],
          password: {
            user: { name: settings.username, domain: { name: settings.user_domain_name }, password },
          },
        }
      })()
  const scope = settings.application_credential_id_secret
    ? undefined
    : settings.project_id
      ? { project: { id: settings.project_id } }
      : settings.project_name
        ? { project: { name: settings.project_name, domain: { name: settings.project_domain_name } } }
        : undefined
  const url = `${settings.auth_url.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3/auth/tokens`
  const response = await call(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity, ...(scope ? { scope } : {}) } }),
    },
    'Keystone POST /v3/auth/tokens',
  )
  const token = response.headers.get('x-subject-token')
  const body = (await response.json()) as { token?: { catalog?: CatalogEntry[] } }
  if (!token) throw new SyncProblem({ code: 'openstack_error', message: 'Keystone gave no X-Subject-Token' })
  return { token, catalog: body.token?.catalog ?? [] }
}

/** A service's endpoint in the catalogue, for the configured interface and region. */
const endpointOf = (session: Session, settings: OpenStackSettings, type: string): string => {
  const service = session.catalog.find((entry) => entry.type === type)
  const endpoint = service?.endpoints.find(
    (candidate) =>
      candidate.interface === settings.interface &&
      (!settings.region || candidate.region === settings.region || candidate.region_id === settings.region),
  )
  if (!endpoint)
    throw new SyncProblem({
      code: 'no_endpoint',
      message: `the catalogue has no ${settings.interface} ${type} endpoint${settings.region ? ` in ${settings.region}` : ''}`,
      hint: 'check the connector’s region and interface against `openstack catalog list`',
    })
  return endpoint.url.replace(/\/+$/, '')
}

const get = async <T>(session: Session, url: string, what: string): Promise<T> =>
  (await (
    await call(url, { headers: { 'x-auth-token': session.token, accept: 'application/json' } }, what)
  ).json()) as T

/** Every server, page by page along Nova's `next` links. */
const novaServers = async (session: Session, compute: string): Promise<NovaServer[]> => {
  const servers: NovaServer[] = []
  let url: string | undefined = `${compute}/servers/detail?limit=${PAGE_SIZE}`
  while (url) {
    const page: { servers?: NovaServer[]; servers_links?: { rel: string; href: string }[] } = await get(
      session,
      url,
      'Nova GET /servers/detail',
    )
    servers.push(...(page.servers ?? []))
    const next = page.servers_links?.find((link) => link.rel === 'next')?.href
    url = next && (page.servers ?? []).length > 0 ? next : undefined
  }
  return servers
}

const addressesOf = (server: NovaServer, type: 'fixed' | 'floating') =>
  ipv4s(
    Object.values(server.addresses ?? {})
      .flat()
      .filter((address) => (address.version ?? 4) === 4 && (address['OS-EXT-IPS:type'] ?? 'fixed') === type)
      .map((address) => address.addr),
  )

const serverEntity = (server: NovaServer, settings: OpenStackSettings): ObservedEntity => {
  const name = server.name?.trim() || server.id
  return {
    key: openStackServerKey(server.id),
    kind: 'server',
    name: text(name),
    instance_id: server.id,
    attributes: {
      hostname: text(name),
      private_ipv4: addressesOf(server, 'fixed'),
      public_ipv4: addressesOf(server, 'floating'),
      instance_id: server.id,
      ...(settings.region ? { region: text(settings.region) } : {}),
      ...(server['OS-EXT-AZ:availability_zone'] ? { zone: text(server['OS-EXT-AZ:availability_zone']) } : {}),
      ...(server.flavor?.original_name || server.flavor?.id
        ? { instance_type: text(server.flavor.original_name ?? (server.flavor.id as string)) }
        : {}),
      ...(server.status ? { instance_state: text(server.status) } : {}),
    },
    tags: tagSlugs(Object.entries(server.metadata ?? {}).map(([key, value]) => ({ key, value }))),
  }
}

const OCTAVIA_PROTOCOLS: Record<string, 'tcp' | 'udp' | 'http' | 'https' | 'tls'> = {
  HTTP: 'http',
  HTTPS: 'https',
  TERMINATED_HTTPS: 'https',
  TCP: 'tcp',
  UDP: 'udp',
}

interface OctaviaRef {
  id: string
}

/** Load balancers with their listeners, `balances` to the servers whose fixed address a pool member has. */
const octaviaBalancers = async (session: Session, settings: OpenStackSettings): Promise<ObservedEntity[]> => {
  const lbaas = `${endpointOf(session, settings, 'load-balancer')}/v2/lbaas`
  const compute = endpointOf(session, settings, 'compute')
  const [{ loadbalancers }, { listeners }, { pools }, servers] = await Promise.all([
    get<{ loadbalancers: { id: string; name?: string }[] }>(
      session,
      `${lbaas}/loadbalancers`,
      'Octavia GET /v2/lbaas/loadbalancers',
    ),
    get<{ listeners: { protocol?: string; protocol_port?: number; loadbalancers?: OctaviaRef[] }[] }>(
      session,
      `${lbaas}/listeners`,
      'Octavia GET /v2/lbaas/listeners',
    ),
    get<{ pools: { id: string; loadbalancers?: OctaviaRef[] }[] }>(
      session,
      `${lbaas}/pools`,
      'Octavia GET /v2/lbaas/pools',
    ),
    novaServers(session, compute),
  ])
  const serverByAddress = new Map<string, string>()
  for (const server of servers)
    for (const address of addressesOf(server, 'fixed'))
      serverByAddress.set(address, openStackServerKey(server.id))
  const members = new Map<string, Set<string>>()
  for (const pool of pools) {
    const { members: poolMembers } = await get<{ members: { address?: string }[] }>(
      session,
      `${lbaas}/pools/${pool.id}/members`,
      'Octavia GET /v2/lbaas/pools/{id}/members',
    )
    for (const lb of pool.loadbalancers ?? []) {
      const set = members.get(lb.id) ?? new Set<string>()
      for (const member of poolMembers) {
        const server = member.address ? serverByAddress.get(member.address) : undefined
        if (server) set.add(server)
      }
      members.set(lb.id, set)
    }
  }
  return loadbalancers.map((lb) => ({
    key: `load_balancer/openstack/${lb.id}`,
    kind: 'load_balancer' as const,
    name: text(lb.name?.trim() || lb.id),
    attributes: {
      listeners: listeners
        .filter((listener) => listener.loadbalancers?.some((ref) => ref.id === lb.id))
        .flatMap((listener) => {
          const protocol = OCTAVIA_PROTOCOLS[listener.protocol ?? '']
          return protocol && listener.protocol_port ? [{ protocol, port: listener.protocol_port }] : []
        })
        .slice(0, 100),
      ...(settings.region ? { region: text(settings.region) } : {}),
    },
    relations: [...(members.get(lb.id) ?? [])].sort().map((to) => ({ type: 'balances' as const, to })),
  }))
}

/**
 * Reads one resource type of an OpenStack project over its APIs: a Keystone token, then Nova's
 * servers or Octavia's load balancers from the endpoints its catalogue names.
 */
export const syncOpenStack = async (
  settings: OpenStackSettings,
  type: ConnectorResourceType,
  context: OpenStackContext,
): Promise<SyncResult> => {
  const errors: SyncError[] = []
  try {
    const session = await authenticate(settings, context)
    if (type === 'servers') {
      const servers = await novaServers(session, endpointOf(session, settings, 'compute'))
      return { entities: servers.map((server) => serverEntity(server, settings)), errors, complete: true }
    }
    if (type === 'load_balancers')
      return { entities: await octaviaBalancers(session, settings), errors, complete: true }
    return {
      entities: [],
      errors: [{ code: 'unsupported_resource_type', message: `OpenStack connectors do not read ${type}` }],
      complete: false,
    }
  } catch (error) {
    if (error instanceof SyncProblem) return { entities: [], errors: [error.error], complete: false }
    throw error
  }
}
