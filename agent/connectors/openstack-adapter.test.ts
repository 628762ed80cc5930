import { once } from 'node:events'
import { type AddressInfo, createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OpenStackSettings } from '../../schema/inventory/connectors'
import { type OpenStackStandIn, startOpenStackStandIn } from '../../test/stand-ins/openstack'
import { syncOpenStack } from './openstack-adapter'

const AGENT = '01J000000000000000000AGENT'
const context = {
  connectorId: '01J00000000000000000CONNEC',
  agentId: AGENT,
  secrets: { OS_PASSWORD: 'hunter2-long' },
}

let standIn: OpenStackStandIn
let settings: OpenStackSettings

beforeAll(async () => {
  standIn = await startOpenStackStandIn({
    username: 'inventory',
    password: 'hunter2-long',
    project: 'prod',
    region: 'RegionOne',
    pageSize: 2,
    servers: [
      { id: 'aaaa-1', name: 'app-1', fixed: '10.0.0.21', floating: '172.24.4.21' },
      { id: 'aaaa-2', name: 'app-2', fixed: '10.0.0.22', status: 'SHUTOFF' },
      { id: 'aaaa-3', name: 'app-3', fixed: '10.0.0.23', flavor: 'm1.large' },
    ],
    balancers: [
      {
        id: 'lb-1',
        name: 'front',
        listeners: [{ protocol: 'HTTP', port: 80 }],
        members: ['10.0.0.21', '10.0.0.23', '10.9.9.9'],
      },
    ],
  })
  settings = {
    auth_url: `${standIn.url}/identity/v3`,
    region: 'RegionOne',
    interface: 'public',
    project_name: 'prod',
    project_domain_name: 'Default',
    user_domain_name: 'Default',
    username: 'inventory',
    password_secret: 'OS_PASSWORD',
  }
})
afterAll(() => standIn.close())

describe('the OpenStack connector against a stand-in speaking Keystone, Nova and Octavia', () => {
  it('authenticates, finds Nova in the catalogue and reads every page of servers', async () => {
    standIn.calls.length = 0
    const result = await syncOpenStack(settings, 'servers', context)
    expect(result).toMatchObject({ errors: [], complete: true })
    expect(standIn.calls).toEqual([
      'POST /identity/v3/auth/tokens',
      'GET /compute/v2.1/servers/detail?limit=100',
      'GET /compute/v2.1/servers/detail?limit=100&marker=aaaa-2',
    ])
    expect(result.entities.map((e) => e.key)).toEqual([
      'server/openstack/aaaa-1',
      'server/openstack/aaaa-2',
      'server/openstack/aaaa-3',
    ])
    expect(result.entities[0]).toEqual({
      key: 'server/openstack/aaaa-1',
      kind: 'server',
      name: 'app-1',
      instance_id: 'aaaa-1',
      attributes: {
        hostname: 'app-1',
        private_ipv4: ['10.0.0.21'],
        public_ipv4: ['172.24.4.21'],
        instance_id: 'aaaa-1',
        region: 'RegionOne',
        zone: 'nova',
        instance_type: 'm1.small',
        instance_state: 'ACTIVE',
      },
      tags: ['role-web'],
    })
  })

  it('reads load balancers with listeners, balancing the servers whose address a pool member has', async () => {
    const result = await syncOpenStack(settings, 'load_balancers', context)
    expect(result).toMatchObject({ errors: [], complete: true })
    expect(result.entities).toEqual([
      {
        key: 'load_balancer/openstack/lb-1',
        kind: 'load_balancer',
        name: 'front',
        attributes: { listeners: [{ protocol: 'http', port: 80 }], region: 'RegionOne' },
        relations: [
          { type: 'balances', to: 'server/openstack/aaaa-1' },
          { type: 'balances', to: 'server/openstack/aaaa-3' },
        ],
      },
    ])
  })

  it('says the credentials are wrong when Keystone answers 401, and names a missing secret', async () => {
    const wrong = await syncOpenStack(settings, 'servers', { ...context, secrets: { OS_PASSWORD: 'not-it' } })
    expect(wrong.complete).toBe(false)
    expect(wrong.errors[0]).toMatchObject({ code: 'wrong_credentials' })
    expect(wrong.errors[0]?.hint).toMatch(/^wrong credentials/)
    const missing = await syncOpenStack(settings, 'servers', { ...context, secrets: {} })
    expect(missing.errors[0]).toMatchObject({
      code: 'missing_secret',
      message: `secret OS_PASSWORD is not set on agent ${AGENT} (sitewire-agent secrets set OS_PASSWORD)`,
    })
  })

  it('names a region the catalogue lacks, and an unreachable Keystone', async () => {
    const region = await syncOpenStack({ ...settings, region: 'RegionTwo' }, 'servers', context)
    expect(region.errors[0]).toMatchObject({ code: 'no_endpoint' })
    // A port nothing listens on any more (fetch refuses well-known ones such as 9 outright).
    const closed = createServer().listen(0, '127.0.0.1')
    await once(closed, 'listening')
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const down = await syncOpenStack(
      { ...settings, auth_url: `http://127.0.0.1:${port}/v3` },
      'servers',
      context,
    )
    expect(down.errors[0]).toMatchObject({ code: 'unreachable' })
  })
})
