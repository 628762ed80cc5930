import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A loopback stand-in for the OpenStack APIs the inventory connector reads, with their documented
 * JSON: Keystone v3 (`POST /v3/auth/tokens` answering 201 with `X-Subject-Token` and a catalogue),
 * Nova (`GET /servers/detail`, paged by `limit`/`marker` with `servers_links`) and Octavia
 * (`/v2/lbaas/loadbalancers`, `/listeners`, `/pools`, `/pools/{id}/members`). Every API call
 * must carry the token Keystone gave.
 */

export interface OpenStackWorld {
  username: string
  password: string
  project: string
  region: string
  servers: { id: string; name: string; fixed: string; floating?: string; status?: string; flavor?: string }[]
  balancers: {
    id: string
    name: string
    listeners: { protocol: string; port: number }[]
    members: string[]
  }[]
  pageSize: number
}

export interface OpenStackStandIn {
  url: string
  world: OpenStackWorld
  calls: string[]
  close(): Promise<void>
}

const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

const readJson = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return undefined
  }
}

const unauthorized = (response: ServerResponse) =>
  json(response, 401, {
    error: {
      code: 401,
      message: 'The request you have made requires authentication.',
      title: 'Unauthorized',
    },
  })

export const startOpenStackStandIn = async (world: OpenStackWorld): Promise<OpenStackStandIn> => {
  const calls: string[] = []
  const tokens = new Set<string>()
  let base = ''
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', base)
    calls.push(`${request.method} ${url.pathname}${url.search}`)
    if (request.method === 'POST' && url.pathname === '/identity/v3/auth/tokens') {
      const body = (await readJson(request)) as {
        auth?: {
          identity?: {
            methods?: string[]
            password?: { user?: { name?: string; password?: string; domain?: { name?: string } } }
          }
          scope?: { project?: { name?: string } }
        }
      }
      const user = body?.auth?.identity?.password?.user
      if (
        !body?.auth?.identity?.methods?.includes('password') ||
        user?.name !== world.username ||
        user.password !== world.password ||
        user.domain?.name !== 'Default' ||
        body.auth.scope?.project?.name !== world.project
      )
        return unauthorized(response)
      const token = `gAAAAA${crypto.randomUUID().replace(/-/g, '')}`
      tokens.add(token)
      const endpoint = (path: string) =>
        ['public', 'internal'].map((face) => ({
          id: crypto.randomUUID(),
          interface: face,
          region: world.region,
          region_id: world.region,
          url: `${base}${path}${face === 'internal' ? '-internal' : ''}`,
        }))
      return json(
        response,
        201,
        {
          token: {
            methods: ['password'],
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            project: { id: 'p1', name: world.project, domain: { id: 'default', name: 'Default' } },
            user: { id: 'u1', name: world.username, domain: { id: 'default', name: 'Default' } },
            catalog: [
              { type: 'identity', name: 'keystone', id: 'k', endpoints: endpoint('/identity') },
              { type: 'compute', name: 'nova', id: 'n', endpoints: endpoint('/compute/v2.1') },
              { type: 'load-balancer', name: 'octavia', id: 'o', endpoints: endpoint('/load-balancer') },
            ],
          },
        },
        { 'x-subject-token': token },
      )
    }
    if (!tokens.has(String(request.headers['x-auth-token']))) return unauthorized(response)
    if (url.pathname === '/compute/v2.1/servers/detail') {
      const limit = Number(url.searchParams.get('limit') ?? world.pageSize)
      const size = Math.min(limit, world.pageSize)
      const marker = url.searchParams.get('marker')
      const start = marker ? world.servers.findIndex((s) => s.id === marker) + 1 : 0
      const page = world.servers.slice(start, start + size)
      const more = start + size < world.servers.length
      return json(response, 200, {
        servers: page.map((s) => ({
          id: s.id,
          name: s.name,
          status: s.status ?? 'ACTIVE',
          flavor: { original_name: s.flavor ?? 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
          metadata: { role: 'web' },
          'OS-EXT-AZ:availability_zone': 'nova',
          addresses: {
            private: [
              {
                addr: s.fixed,
                version: 4,
                'OS-EXT-IPS:type': 'fixed',
                'OS-EXT-IPS-MAC:mac_addr': 'fa:16:3e:00:00:01',
              },
              ...(s.floating ? [{ addr: s.floating, version: 4, 'OS-EXT-IPS:type': 'floating' }] : []),
            ],
          },
        })),
        ...(more
          ? {
              servers_links: [
                {
                  rel: 'next',
                  href: `${base}/compute/v2.1/servers/detail?limit=${limit}&marker=${page.at(-1)?.id}`,
                },
              ],
            }
          : {}),
      })
    }
    const lbaas = '/load-balancer/v2/lbaas'
    if (url.pathname === `${lbaas}/loadbalancers`)
      return json(response, 200, {
        loadbalancers: world.balancers.map((lb) => ({
          id: lb.id,
          name: lb.name,
          vip_address: '10.0.0.100',
          provisioning_status: 'ACTIVE',
          operating_status: 'ONLINE',
          listeners: lb.listeners.map((_, n) => ({ id: `${lb.id}-l${n}` })),
          pools: [{ id: `${lb.id}-pool` }],
        })),
      })
    if (url.pathname === `${lbaas}/listeners`)
      return json(response, 200, {
        listeners: world.balancers.flatMap((lb) =>
          lb.listeners.map((l, n) => ({
            id: `${lb.id}-l${n}`,
            protocol: l.protocol,
            protocol_port: l.port,
            loadbalancers: [{ id: lb.id }],
          })),
        ),
      })
    if (url.pathname === `${lbaas}/pools`)
      return json(response, 200, {
        pools: world.balancers.map((lb) => ({
          id: `${lb.id}-pool`,
          protocol: 'HTTP',
          loadbalancers: [{ id: lb.id }],
          members: lb.members.map((_, n) => ({ id: `${lb.id}-m${n}` })),
        })),
      })
    const members = new RegExp(`^${lbaas}/pools/([^/]+)/members$`).exec(url.pathname)
    if (members) {
      const lb = world.balancers.find((b) => `${b.id}-pool` === members[1])
      if (!lb)
        return json(response, 404, { faultcode: 'Client', faultstring: 'Pool not found', debuginfo: null })
      return json(response, 200, {
        members: lb.members.map((address, n) => ({
          id: `${lb.id}-m${n}`,
          address,
          protocol_port: 80,
          operating_status: 'ONLINE',
        })),
      })
    }
    return json(response, 404, { itemNotFound: { code: 404, message: 'not found' } })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    world,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
