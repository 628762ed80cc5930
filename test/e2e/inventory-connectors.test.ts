import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { statePaths } from '../../agent/state-dir'
import { SecretStore } from '../../agent/steps/secrets'
import { bundleNodeCli } from '../../local/bundle-node-cli'
import type { Agent } from '../../schema/api/agents'
import type { Entity, Relation } from '../../schema/api/inventory'
import type { Connector, ConnectorSync } from '../../schema/inventory/connectors'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { type AwsStandIn, startAwsStandIn } from '../stand-ins/aws'
import { type OpenStackStandIn, startOpenStackStandIn } from '../stand-ins/openstack'
import { runAgentBuild, until } from './agent-process'
import { sitewire } from './cli-process'

interface Page<T> {
  items: T[]
  next_cursor: string | null
}

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE'

/** A real agent process syncing cloud connectors against loopback stand-ins into a real platform. */
describe('inventory cloud connectors, end to end', () => {
  let dataDir: string
  let stateDir: string
  let agentFile: string
  let platform: RunningPlatform
  let key: string
  let aws: AwsStandIn
  let openstack: OpenStackStandIn | undefined
  let agent: ReturnType<typeof runAgentBuild> | undefined
  let siteId: string
  let agentId: string

  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as T }
  }
  /** The entities of a kind that connectors found: the agent's own host is discovered beside them. */
  const entities = async (kind: string) =>
    (
      await api<Page<Entity>>(`/v1/sites/${siteId}/inventory/entities?kind=${kind}&active=all&limit=100`)
    ).body.items.filter((entity) => entity.created_by.startsWith('discovery:connector:'))
  const relationsOf = async (entityId: string) =>
    (await api<Page<Relation>>(`/v1/sites/${siteId}/inventory/relations?entity_id=${entityId}`)).body.items
  const syncs = async (connectorId: string) =>
    (
      await api<Page<ConnectorSync>>(
        `/v1/sites/${siteId}/inventory/connectors/${connectorId}/syncs?limit=100`,
      )
    ).body.items

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-connectors-e2e-'))
    stateDir = await mkdtemp(join(tmpdir(), 'sitewire-connectors-agent-'))
    // The agent as it is installed: the bundle carries the AWS clients the connectors run.
    agentFile = join(dataDir, 'sitewire-agent.mjs')
    await bundleNodeCli({ entry: 'agent/cli.ts', outfile: agentFile, compact: true })
    platform = await startPlatform({ dataDir, port: testPort(53) })
    key = platform.adminKey ?? ''
    aws = await startAwsStandIn({
      accessKeyId: KEY_ID,
      pageSize: 1,
      refuse: {},
      regions: {
        'eu-west-1': {
          zones: ['eu-west-1a', 'eu-west-1b'],
          instances: [
            {
              id: 'i-0aaa',
              name: 'web-1',
              privateIp: '10.0.0.11',
              zone: 'eu-west-1a',
              tags: { env: 'prod' },
            },
            { id: 'i-0bbb', name: 'web-2', privateIp: '10.0.0.12', zone: 'eu-west-1b' },
          ],
          balancers: [
            {
              arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/1',
              name: 'shop',
              listeners: [{ protocol: 'HTTPS', port: 443 }],
              targets: ['i-0aaa', 'i-0bbb'],
            },
          ],
          databases: [
            {
              id: 'orders',
              engine: 'postgres',
              version: '16.3',
              instanceClass: 'db.t3.micro',
              address: 'orders.abc.eu-west-1.rds.amazonaws.com',
              port: 5432,
            },
          ],
        },
      },
    })
    const { body: site } = await api<{ id: string }>('/v1/sites', {
      method: 'POST',
      body: JSON.stringify({ name: 'connectors' }),
    })
    siteId = site.id
    const { body: token } = await api<{ token: string }>(`/v1/sites/${siteId}/enrolment-tokens`, {
      method: 'POST',
      body: JSON.stringify({ labels: {} }),
    })
    expect(await runAgentBuild(agentFile, ['enrol', token.token, '--state-dir', stateDir]).exited).toBe(0)
    // As `sitewire-agent secrets set` stores them: on the agent's machine only.
    const store = new SecretStore(statePaths(stateDir).secrets)
    store.set('AWS_ACCESS_KEY_ID', KEY_ID)
    store.set('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')
    agent = runAgentBuild(agentFile, ['run', '--state-dir', stateDir])
    const { body: agents } = await until('the agent to enrol', async () => {
      const found = await api<Page<Agent>>(`/v1/sites/${siteId}/agents`)
      return found.body.items[0]?.presence === 'online' ? found : undefined
    })
    agentId = agents.items[0]?.id as string
  }, 120_000)

  afterAll(async () => {
    agent?.child.kill('SIGKILL')
    await aws?.close()
    await openstack?.close()
    await platform?.stop()
    for (const dir of [dataDir, stateDir]) await rm(dir, { recursive: true, force: true })
  })

  it('syncs AWS servers, load balancers, databases and the datacenter, retires what is gone, and records a refusal with its hint', async () => {
    const created = await api<Connector>(`/v1/sites/${siteId}/inventory/connectors`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'prod',
        provider: 'aws',
        agent_id: agentId,
        aws: { regions: ['eu-west-1'], endpoint: aws.url },
      }),
    })
    expect(created.status).toBe(201)
    const connector = created.body
    const actor = `discovery:connector:${connector.id}`

    const servers = await until('the servers', async () => {
      const found = await entities('server')
      return found.length === 2 ? found : undefined
    })
    const web1 = servers.find((e) => e.name === 'web-1') as Entity
    const web2 = servers.find((e) => e.name === 'web-2') as Entity
    expect(web1).toMatchObject({
      created_by: actor,
      tags: ['env-prod'],
      attributes: {
        instance_id: 'i-0aaa',
        private_ipv4: ['10.0.0.11'],
        zone: 'eu-west-1a',
        instance_type: 't3.micro',
      },
    })
    const [datacenter] = await until('the datacenter', async () => {
      const found = await entities('datacenter')
      return found.length === 1 ? found : undefined
    })
    expect(datacenter?.attributes).toEqual({
      provider: 'aws',
      regions: [{ name: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b'] }],
    })
    expect(
      (await relationsOf(web1.id)).filter((r) => r.from_id === web1.id).map((r) => [r.type, r.to_id]),
    ).toEqual([['located_in', datacenter?.id]])
    const balancer = await until('the load balancer', async () => (await entities('load_balancer'))[0])
    expect(balancer.attributes.listeners).toEqual([{ protocol: 'https', port: 443 }])
    expect(
      (await relationsOf(balancer.id))
        .filter((r) => r.type === 'balances')
        .map((r) => r.to_id)
        .sort(),
    ).toEqual([web1.id, web2.id].sort())
    const database = await until('the database', async () => (await entities('database'))[0])
    expect(database).toMatchObject({
      name: 'orders',
      attributes: { engine: 'postgresql', endpoint: 'orders.abc.eu-west-1.rds.amazonaws.com:5432' },
    })
    const history = await until('four syncs', async () => {
      const found = await syncs(connector.id)
      return found.length === 4 ? found : undefined
    })
    expect(
      history.map((s) => [s.resource_type, s.status, s.created, s.updated, s.retired, s.unchanged]).reverse(),
    ).toEqual([
      ['datacenters', 'succeeded', 1, 0, 0, 0],
      ['servers', 'succeeded', 2, 0, 0, 0],
      ['load_balancers', 'succeeded', 1, 0, 0, 0],
      ['databases', 'succeeded', 1, 0, 0, 0],
    ])

    // The instance is gone from AWS: the next sync retires it.
    aws.world.regions['eu-west-1']?.instances.splice(1, 1)
    const asked = await api<Connector>(`/v1/sites/${siteId}/inventory/connectors/${connector.id}/sync`, {
      method: 'POST',
      body: JSON.stringify({ resource_types: ['servers'] }),
    })
    expect(asked.status).toBe(202)
    await until('web-2 to be retired', async () =>
      (await entities('server')).find((e) => e.id === web2.id && !e.active) ? true : undefined,
    )
    const [retiring] = await syncs(connector.id)
    expect(retiring).toMatchObject({
      resource_type: 'servers',
      status: 'succeeded',
      retired: 1,
      unchanged: 1,
      created: 0,
    })

    // AWS refuses DescribeInstances: the sync is recorded failed, with the permission to grant, and changes nothing.
    aws.world.refuse = { DescribeInstances: 'UnauthorizedOperation' }
    const before = await entities('server')
    await api(`/v1/sites/${siteId}/inventory/connectors/${connector.id}/sync`, {
      method: 'POST',
      body: JSON.stringify({ resource_types: ['servers'] }),
    })
    const failed = await until('the refused sync', async () => {
      const [latest] = await syncs(connector.id)
      return latest?.status === 'failed' ? latest : undefined
    })
    expect(failed).toMatchObject({ created: 0, updated: 0, retired: 0, unchanged: 0 })
    expect(failed.errors[0]).toMatchObject({
      code: 'unauthorized',
      hint: 'Unauthorized: grant read-only permission ec2:DescribeInstances',
      where: 'eu-west-1',
    })
    expect(await entities('server')).toEqual(before)
    const shown = await api<Connector>(`/v1/sites/${siteId}/inventory/connectors/${connector.id}`)
    expect(shown.body.resource_types.servers?.last_sync?.status).toBe('failed')
    aws.world.refuse = {}
  }, 180_000)

  it('syncs OpenStack servers and a load balancer balancing them, and retires a deleted server', async () => {
    openstack = await startOpenStackStandIn({
      username: 'inventory',
      password: 'openstack-password',
      project: 'prod',
      region: 'RegionOne',
      pageSize: 1,
      servers: [
        { id: 'nova-1', name: 'app-1', fixed: '10.20.0.1' },
        { id: 'nova-2', name: 'app-2', fixed: '10.20.0.2' },
      ],
      balancers: [
        {
          id: 'octavia-1',
          name: 'front',
          listeners: [{ protocol: 'HTTP', port: 80 }],
          members: ['10.20.0.1', '10.20.0.2'],
        },
      ],
    })
    new SecretStore(statePaths(stateDir).secrets).set('OS_PASSWORD', 'openstack-password')
    const created = await api<Connector>(`/v1/sites/${siteId}/inventory/connectors`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'private cloud',
        provider: 'openstack',
        agent_id: agentId,
        openstack: {
          auth_url: `${openstack.url}/identity/v3`,
          region: 'RegionOne',
          project_name: 'prod',
          username: 'inventory',
          password_secret: 'OS_PASSWORD',
        },
      }),
    })
    expect(created.status).toBe(201)
    const connector = created.body
    const mine = async (kind: string) =>
      (await entities(kind)).filter((e) => e.created_by === `discovery:connector:${connector.id}`)
    const servers = await until('the OpenStack servers', async () => {
      const found = await mine('server')
      return found.length === 2 ? found : undefined
    })
    expect(servers.map((e) => [e.name, e.attributes.instance_id, e.attributes.private_ipv4]).sort()).toEqual([
      ['app-1', 'nova-1', ['10.20.0.1']],
      ['app-2', 'nova-2', ['10.20.0.2']],
    ])
    const balancer = await until('the Octavia load balancer', async () => (await mine('load_balancer'))[0])
    await until('its balances relations', async () => {
      const balanced = (await relationsOf(balancer.id))
        .filter((r) => r.type === 'balances')
        .map((r) => r.to_id)
      return balanced.length === 2 ? balanced : undefined
    })
    expect(balancer.attributes.listeners).toEqual([{ protocol: 'http', port: 80 }])

    openstack.world.servers.pop()
    await api(`/v1/sites/${siteId}/inventory/connectors/${connector.id}/sync`, {
      method: 'POST',
      body: JSON.stringify({ resource_types: ['servers'] }),
    })
    await until('app-2 to be retired', async () =>
      (await mine('server')).find((e) => e.name === 'app-2' && !e.active) ? true : undefined,
    )
    const [latest] = await syncs(connector.id)
    expect(latest).toMatchObject({ resource_type: 'servers', status: 'succeeded', retired: 1, unchanged: 1 })
  }, 180_000)

  it('is run from the CLI: create, list with each type’s last sync, sync now, history', async () => {
    const env = {
      XDG_CONFIG_HOME: join(stateDir, 'cli-config'),
      SITEWIRE_URL: platform.url,
      SITEWIRE_KEY: key,
      SITEWIRE_SITE: siteId,
    }
    // One AWS connector named cli on the agent, in eu-west-1: refused first for its interval.
    const create = [
      'inventory',
      'connectors',
      'create',
      '--provider',
      'aws',
      '--name',
      'cli',
      '--agent',
      agentId,
    ]
    const refused = await sitewire([...create, '--region', 'eu-west-1', '--interval', 'servers=10'], { env })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('intervals.servers')
    const created = await sitewire(
      [
        '--json',
        ...create,
        '--region',
        'eu-west-1',
        '--endpoint',
        aws.url,
        '--secret',
        'access_key_id=AWS_ACCESS_KEY_ID',
        '--interval',
        'databases=off',
      ],
      { env },
    )
    expect(created.code).toBe(0)
    const connector = JSON.parse(created.stdout) as Connector
    expect(connector.resource_types.databases?.interval_seconds).toBe(false)
    await until('its first server sync', async () =>
      (await syncs(connector.id)).some((s) => s.resource_type === 'servers') ? true : undefined,
    )
    const list = await sitewire(['inventory', 'connectors', 'list'], { env })
    expect(list.code).toBe(0)
    const row = list.stdout.split('\n').find((line) => line.includes(connector.id)) ?? ''
    expect(row).toMatch(/cli\s+aws/)
    expect(row).toContain('ok +0 ~')
    expect(row).toContain('off')
    const asked = await sitewire(['inventory', 'connectors', 'sync', connector.id, '--type', 'servers'], {
      env,
    })
    expect(asked.code).toBe(0)
    await until('the second server sync', async () =>
      (await syncs(connector.id)).filter((s) => s.resource_type === 'servers').length === 2
        ? true
        : undefined,
    )
    const history = await sitewire(['inventory', 'connectors', 'syncs', connector.id], { env })
    expect(history.code).toBe(0)
    expect(history.stdout).toMatch(/STARTED\s+TYPE\s+STATUS\s+CREATED\s+UPDATED\s+RETIRED\s+UNCHANGED/)
    expect(history.stdout.split('\n').filter((line) => /servers\s+succeeded/.test(line))).toHaveLength(2)
    const deleted = await sitewire(['inventory', 'connectors', 'delete', connector.id], { env })
    expect(deleted.code).toBe(0)
    expect((await api(`/v1/sites/${siteId}/inventory/connectors/${connector.id}`)).status).toBe(404)
  }, 180_000)
})
