import { beforeAll, describe, expect, it } from 'vitest'
import type { Enrolled, ServerMessage } from '../../schema/agent/protocol'
import type { Entity, Relation } from '../../schema/api/inventory'
import type { LoggedEvent } from '../../schema/events'
import type { Connector, ConnectorSync } from '../../schema/inventory/connectors'
import { createUser, signedIn } from '../../test/people-support'
import { newAgent, open } from '../../test/worker-agents'
import { type Client, createSite, eventually, expectError, newTenant } from '../../test/worker-support'

let admin: Client
let stranger: Client

beforeAll(async () => {
  admin = (await newTenant()).client
  stranger = (await newTenant()).client
})

interface Page<T> {
  items: T[]
  next_cursor: string | null
}

const enrolled = async (siteId: string) => {
  const { token } = (await (
    await admin(`/v1/sites/${siteId}/enrolment-tokens`, { method: 'POST', json: {} })
  ).json()) as { token: string }
  const agent = await newAgent()
  const { agent_id: agentId } = (await (await agent.enrol(token)).json()) as Enrolled
  return { agent, agentId }
}

const awsBody = (agentId: string, more: Record<string, unknown> = {}) => ({
  name: 'prod account',
  provider: 'aws',
  agent_id: agentId,
  aws: { regions: ['eu-west-1'], endpoint: 'http://127.0.0.1:4566' },
  ...more,
})

const reportFrame = (siteId: string, agentId: string, data: Record<string, unknown>) => ({
  specversion: '1.0',
  id: crypto.randomUUID(),
  source: `/sites/${siteId}/agents/${agentId}`,
  type: 'io.sitewire.connector.sync_reported',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data: {
    agent_id: agentId,
    started_at: new Date().toISOString(),
    finished_at: new Date().toISOString(),
    complete: true,
    errors: [],
    ...data,
  },
})

const instance = (id: string) => ({
  key: `server/aws/${id}`,
  kind: 'server',
  name: `web-${id}`,
  instance_id: id,
  attributes: { hostname: `ip-${id}`, private_ipv4: ['10.0.0.5'], instance_id: id },
})

describe('inventory connectors routes', () => {
  it('creates a connector naming secrets only, lists, reads, changes and deletes it', async () => {
    const site = await createSite(admin, 'connectors')
    const { agentId } = await enrolled(site.id)
    const base = `/v1/sites/${site.id}/inventory/connectors`
    // A `*_secret` that looks like a key is still only a name.
    const created = await admin(base, {
      method: 'POST',
      json: awsBody(agentId, {
        aws: { regions: ['eu-west-1'], access_key_id_secret: 'AKIAIOSFODNN7EXAMPLE' },
      }),
    })
    expect(created.status).toBe(201)
    const connector = (await created.json()) as Connector
    expect(connector).toMatchObject({
      site_id: site.id,
      name: 'prod account',
      provider: 'aws',
      agent_id: agentId,
      aws: {
        regions: ['eu-west-1'],
        access_key_id_secret: 'AKIAIOSFODNN7EXAMPLE',
        secret_access_key_secret: 'AWS_SECRET_ACCESS_KEY',
      },
    })
    expect(connector.resource_types.servers).toMatchObject({ interval_seconds: 300, last_sync: null })
    expect(connector.resource_types.datacenters?.interval_seconds).toBe(3600)

    const list = (await (await admin(base)).json()) as Page<Connector>
    expect(list.items.map((c) => c.id)).toEqual([connector.id])
    const patched = await admin(`${base}/${connector.id}`, {
      method: 'PATCH',
      json: { name: 'prod', intervals: { databases: false, servers: 60 } },
    })
    expect(patched.status).toBe(200)
    const changed = (await patched.json()) as Connector
    expect(changed.name).toBe('prod')
    expect(changed.resource_types.databases).toEqual({
      interval_seconds: false,
      last_sync: null,
      next_due_at: null,
    })
    expect(changed.resource_types.servers?.interval_seconds).toBe(60)
    expect((await admin(`${base}/${connector.id}`, { method: 'DELETE' })).status).toBe(200)
    await expectError(await admin(`${base}/${connector.id}`), 404, 'not_found')
  })

  it('refuses bad bodies, unknown agents and connectors, and other tenants, storing nothing', async () => {
    const site = await createSite(admin, 'connectors-refusals')
    const { agentId } = await enrolled(site.id)
    const base = `/v1/sites/${site.id}/inventory/connectors`
    const malformed = await admin(base, {
      method: 'POST',
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
    for (const json of [
      { ...awsBody(agentId), provider: 'gcp' },
      { ...awsBody(agentId), aws: { regions: [] } },
      { ...awsBody(agentId), aws: { regions: ['eu-west-1'], endpoint: 'not a url' } },
      {
        ...awsBody(agentId),
        aws: { regions: ['eu-west-1'], access_key_id_secret: 'has spaces and = signs' },
      },
      { ...awsBody(agentId), intervals: { servers: 30 } },
      { ...awsBody(agentId), agent_id: 42 },
      { ...awsBody(agentId), secret_access_key: 'wJalrXUtnFEMI' },
      { name: 'os', provider: 'openstack', agent_id: agentId, openstack: { auth_url: 'https://k:5000' } },
    ]) {
      const refused = await expectError(await admin(base, { method: 'POST', json }), 400, 'validation_failed')
      expect(refused.error.details, JSON.stringify(json)).not.toEqual([])
    }
    await expectError(
      await admin(base, { method: 'POST', json: awsBody('01J00000000000000000000001') }),
      422,
      'unknown_agent',
    )
    await expectError(await admin(`${base}/01J00000000000000000000002`), 404, 'not_found')
    await expectError(
      await admin(`${base}/01J00000000000000000000002/sync`, { method: 'POST' }),
      404,
      'not_found',
    )
    await expectError(await admin(`${base}/01J00000000000000000000002/syncs`), 404, 'not_found')
    await expectError(await stranger(base), 404, 'not_found')
    await expectError(await stranger(base, { method: 'POST', json: awsBody(agentId) }), 404, 'not_found')
    expect(((await (await admin(base)).json()) as Page<Connector>).items).toEqual([])

    const connector = (await (
      await admin(base, { method: 'POST', json: awsBody(agentId) })
    ).json()) as Connector
    await expectError(
      await admin(`${base}/${connector.id}`, {
        method: 'PATCH',
        json: { openstack: { auth_url: 'https://k' } },
      }),
      400,
      'validation_failed',
    )
    await expectError(
      await admin(`${base}/${connector.id}`, {
        method: 'PATCH',
        json: {
          openstack: { auth_url: 'https://k:5000', username: 'u', password_secret: 'OS_PASSWORD' },
        },
      }),
      422,
      'provider_mismatch',
    )
    await expectError(
      await admin(`${base}/${connector.id}/sync`, { method: 'POST', json: { resource_types: ['volumes'] } }),
      400,
      'validation_failed',
    )
    await expectError(await stranger(`${base}/${connector.id}`), 404, 'not_found')
    const events = (await (
      await admin(`/v1/sites/${site.id}/events?type=io.sitewire.connector.updated`)
    ).json()) as Page<LoggedEvent>
    expect(events.items).toEqual([])
  })

  it('lets site admins write and site readers read', async () => {
    const site = await createSite(admin, 'connectors-roles')
    const { agentId } = await enrolled(site.id)
    const base = `/v1/sites/${site.id}/inventory/connectors`
    const connector = (await (
      await admin(base, { method: 'POST', json: awsBody(agentId) })
    ).json()) as Connector
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const user = await createUser(admin)
      const granted = await admin('/v1/grants', {
        method: 'POST',
        json: { subject: { type: 'user', id: user.id }, role, site_id: site.id },
      })
      expect(granted.status).toBe(201)
      const call = (await signedIn(user.email, user.password)).call
      expect((await call(base)).status, role).toBe(200)
      expect((await call(`${base}/${connector.id}`)).status, role).toBe(200)
      expect((await call(`${base}/${connector.id}/syncs`)).status, role).toBe(200)
      const writes = [
        await call(base, { method: 'POST', json: awsBody(agentId, { name: `by ${role}` }) }),
        await call(`${base}/${connector.id}`, { method: 'PATCH', json: { name: `named by ${role}` } }),
        await call(`${base}/${connector.id}/sync`, { method: 'POST' }),
      ]
      for (const response of writes)
        if (role === 'admin') expect(response.status, role).toBeLessThan(300)
        else await expectError(response, 403, 'forbidden')
    }
  })

  it('delivers connectors to their agent, takes its reports into the inventory and keeps the history', async () => {
    const site = await createSite(admin, 'connectors-delivery')
    const { agent, agentId } = await enrolled(site.id)
    const base = `/v1/sites/${site.id}/inventory/connectors`
    const conn = await open(await agent.connect(agentId, site.id))
    const connector = (await (
      await admin(base, { method: 'POST', json: awsBody(agentId) })
    ).json()) as Connector
    const delivered = (await conn.next(
      (m) => typeof m !== 'string' && m.type === 'connectors' && m.connectors.length === 1,
    )) as Extract<ServerMessage, { type: 'connectors' }>
    expect(delivered.connectors[0]).toMatchObject({ connector_id: connector.id, spec: { provider: 'aws' } })

    const synced = await admin(`${base}/${connector.id}/sync`, {
      method: 'POST',
      json: { resource_types: ['servers'] },
    })
    expect(synced.status).toBe(202)
    await conn.next(
      (m) =>
        typeof m !== 'string' &&
        m.type === 'connectors' &&
        (m.connectors[0]?.sync_requests.servers ?? 0) > 0 &&
        m.connectors[0]?.sync_requests.databases === 0,
    )

    const entities = async () =>
      ((await (await admin(`/v1/sites/${site.id}/inventory/entities?active=all`)).json()) as Page<Entity>)
        .items
    const lb = {
      key: 'load_balancer/aws/arn:lb',
      kind: 'load_balancer',
      name: 'shop',
      attributes: { listeners: [{ protocol: 'https', port: 443 }] },
      relations: [{ type: 'balances', to: 'server/aws/i-1' }],
    }
    conn.socket.send(
      JSON.stringify(
        reportFrame(site.id, agentId, {
          connector_id: connector.id,
          resource_type: 'servers',
          entities: [instance('i-1'), instance('i-2')],
        }),
      ),
    )
    await eventually(async () => ((await entities()).length === 2 ? true : undefined))
    conn.socket.send(
      JSON.stringify(
        reportFrame(site.id, agentId, {
          connector_id: connector.id,
          resource_type: 'load_balancers',
          entities: [lb],
        }),
      ),
    )
    const balancer = await eventually(async () => (await entities()).find((e) => e.kind === 'load_balancer'))
    const web1 = (await entities()).find((e) => e.name === 'web-i-1') as Entity
    expect(web1.created_by).toBe(`discovery:connector:${connector.id}`)
    const relations = (await (
      await admin(`/v1/sites/${site.id}/inventory/relations?entity_id=${balancer.id}`)
    ).json()) as Page<Relation>
    expect(relations.items.map((r) => [r.type, r.to_id])).toEqual([['balances', web1.id]])

    // A complete sync without i-2 retires it; a failed one retires nothing.
    conn.socket.send(
      JSON.stringify(
        reportFrame(site.id, agentId, {
          connector_id: connector.id,
          resource_type: 'servers',
          entities: [instance('i-1')],
        }),
      ),
    )
    await eventually(async () => ((await entities()).some((e) => !e.active) ? true : undefined))
    const error = {
      code: 'unauthorized',
      message: 'ec2:DescribeInstances was refused',
      hint: 'Unauthorized: grant read-only permission ec2:DescribeInstances',
    }
    conn.socket.send(
      JSON.stringify(
        reportFrame(site.id, agentId, {
          connector_id: connector.id,
          resource_type: 'servers',
          entities: [],
          complete: false,
          errors: [error],
        }),
      ),
    )
    const history = await eventually(async () => {
      const page = (await (
        await admin(`${base}/${connector.id}/syncs?limit=2`)
      ).json()) as Page<ConnectorSync>
      return page.items[0]?.status === 'failed' ? page : undefined
    })
    expect(
      history.items.map((s) => [s.resource_type, s.status, s.created, s.updated, s.retired, s.unchanged]),
    ).toEqual([
      ['servers', 'failed', 0, 0, 0, 0],
      ['servers', 'succeeded', 0, 0, 1, 1],
    ])
    expect(history.items[0]?.errors).toEqual([error])
    const next = (await (
      await admin(`${base}/${connector.id}/syncs?limit=2&cursor=${history.next_cursor}`)
    ).json()) as Page<ConnectorSync>
    expect(next.items.map((s) => [s.resource_type, s.created])).toEqual([
      ['load_balancers', 1],
      ['servers', 2],
    ])
    expect(
      (await entities())
        .filter((e) => e.active)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['shop', 'web-i-1'])
    const shown = (await (await admin(`${base}/${connector.id}`)).json()) as Connector
    expect(shown.resource_types.servers?.last_sync?.status).toBe('failed')
    expect(shown.resource_types.load_balancers?.last_sync?.created).toBe(1)

    // A report on a connector this agent does not run is refused, and stores nothing.
    const before = (await (await admin(`${base}/${connector.id}/syncs`)).json()) as Page<ConnectorSync>
    conn.socket.send(
      JSON.stringify(
        reportFrame(site.id, agentId, {
          connector_id: '01J00000000000000000000002',
          resource_type: 'servers',
          entities: [instance('i-9')],
        }),
      ),
    )
    await conn.next((m) => typeof m !== 'string' && m.type === 'error' && m.code === 'unknown_connector')
    expect(
      ((await (await admin(`${base}/${connector.id}/syncs`)).json()) as Page<ConnectorSync>).items,
    ).toHaveLength(before.items.length)
    conn.socket.close(1000, 'bye')
  })
})
