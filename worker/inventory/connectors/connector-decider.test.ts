import { describe, expect, it } from 'vitest'
import { EventType, type SitewireEventBody } from '../../../schema/events'
import type {
  ConnectorSpec,
  ConnectorSyncReported,
  ObservedEntity,
} from '../../../schema/inventory/connectors'
import { discoveryActor } from '../../../schema/inventory/discovery'
import { ApiError } from '../../http/errors'
import { decideDiscovery } from '../discovery-decider'
import { type Given, given, ids } from '../discovery-view.fixture'
import {
  type ConnectorCommand,
  type ConnectorContext,
  decideConnector,
  reportObservation,
  syncedEvent,
} from './connector-decider'

const SITE = '01J0000000000000000000SITE'
const AGENT = '01J000000000000000000AGENT'
const OTHER_AGENT = '01J00000000000000000AGENT2'
const CONNECTOR = '01J00000000000000000CONNEC'
const SOURCE = `connector:${CONNECTOR}` as const
const ACTOR = discoveryActor(SOURCE)
const PERSON = 'user/01J00000000000000000USER01'

const aws = {
  regions: ['eu-west-1'],
  access_key_id_secret: 'AWS_ACCESS_KEY_ID',
  secret_access_key_secret: 'AWS_SECRET_ACCESS_KEY',
}
const spec: ConnectorSpec = {
  name: 'prod',
  agent_id: AGENT,
  provider: 'aws',
  aws,
  intervals: { servers: 300, load_balancers: 900, databases: 900, datacenters: 3600 },
}

const context = (connectors: Record<string, ConnectorSpec> = {}): ConnectorContext => ({
  connector: (id) => (connectors[id] ? { id, spec: connectors[id] } : undefined),
  agentExists: (id) => id === AGENT || id === OTHER_AGENT,
})

const refusal = (ctx: ConnectorContext, command: ConnectorCommand) => {
  try {
    decideConnector(ctx, command)
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code }
  }
  return undefined
}

const server = (id: string, overrides: Partial<ObservedEntity> = {}): ObservedEntity => ({
  key: `server/aws/${id}`,
  kind: 'server',
  name: `web-${id}`,
  instance_id: id,
  attributes: { hostname: `ip-${id}`, private_ipv4: ['10.0.0.1'], region: 'eu-west-1', instance_id: id },
  tags: ['env-prod'],
  ...overrides,
})

const report = (
  entities: ObservedEntity[],
  overrides: Partial<ConnectorSyncReported> = {},
): ConnectorSyncReported => ({
  agent_id: AGENT,
  connector_id: CONNECTOR,
  resource_type: 'servers',
  started_at: '2026-12-06T10:00:00.000Z',
  finished_at: '2026-12-06T10:00:02.000Z',
  complete: true,
  entities,
  errors: [],
  ...overrides,
})

/** Decides a report against the inventory the given events made; answers its events and sync record. */
const sync = (history: Given[], reported: ConnectorSyncReported, newId = ids()) => {
  const decision = decideDiscovery(given(history), reportObservation(reported), SITE, newId)
  return { ...decision, synced: syncedEvent(reported, decision) }
}
const byConnector = (events: SitewireEventBody[]): Given[] => events.map((body) => ({ actor: ACTOR, body }))

describe('connector decider', () => {
  it('creates a connector with every interval resolved, types the provider lacks switched off', () => {
    const [event] = decideConnector(context(), {
      type: 'create',
      connectorId: CONNECTOR,
      body: {
        name: 'prod',
        agent_id: AGENT,
        provider: 'aws',
        aws,
        intervals: { servers: 120, databases: false },
      },
    })
    expect(event).toEqual({
      type: EventType.connectorCreated,
      data: {
        connector_id: CONNECTOR,
        spec: {
          ...spec,
          intervals: { servers: 120, load_balancers: 900, databases: false, datacenters: 3600 },
        },
      },
    })
    const [openstack] = decideConnector(context(), {
      type: 'create',
      connectorId: CONNECTOR,
      body: {
        name: 'os',
        agent_id: AGENT,
        provider: 'openstack',
        openstack: {
          auth_url: 'https://keystone.example:5000',
          interface: 'public',
          project_domain_name: 'Default',
          user_domain_name: 'Default',
          username: 'inv',
          password_secret: 'OS_PASSWORD',
        },
        intervals: {},
      },
    })
    expect((openstack?.data as { spec: ConnectorSpec } | undefined)?.spec.intervals).toEqual({
      servers: 300,
      load_balancers: 900,
      databases: false,
      datacenters: false,
    })
  })

  it('refuses an agent the site does not have, a type the provider lacks, and a connector it does not know', () => {
    expect(
      refusal(context(), {
        type: 'create',
        connectorId: CONNECTOR,
        body: { name: 'x', agent_id: '01J0000000000000000NOAGENT', provider: 'aws', aws, intervals: {} },
      }),
    ).toEqual({ status: 422, code: 'unknown_agent' })
    expect(
      refusal(context(), {
        type: 'create',
        connectorId: CONNECTOR,
        body: {
          name: 'x',
          agent_id: AGENT,
          provider: 'openstack',
          openstack: {
            auth_url: 'https://k',
            interface: 'public',
            project_domain_name: 'Default',
            user_domain_name: 'Default',
            username: 'u',
            password_secret: 'P',
          },
          intervals: { databases: 600 },
        },
      }),
    ).toEqual({ status: 422, code: 'unsupported_resource_type' })
    expect(refusal(context(), { type: 'delete', connectorId: CONNECTOR })).toEqual({
      status: 404,
      code: 'not_found',
    })
    expect(
      refusal(context({ [CONNECTOR]: spec }), {
        type: 'update',
        connectorId: CONNECTOR,
        patch: { openstack: undefined, aws: undefined, agent_id: '01J0000000000000000NOAGENT' },
      }),
    ).toEqual({ status: 422, code: 'unknown_agent' })
  })

  it('changes what a patch gives, merges intervals, and records nothing when nothing changes', () => {
    const ctx = context({ [CONNECTOR]: spec })
    expect(decideConnector(ctx, { type: 'update', connectorId: CONNECTOR, patch: { name: 'prod' } })).toEqual(
      [],
    )
    const [event] = decideConnector(ctx, {
      type: 'update',
      connectorId: CONNECTOR,
      patch: { agent_id: OTHER_AGENT, intervals: { load_balancers: false } },
    })
    expect(event?.data).toEqual({
      connector_id: CONNECTOR,
      spec: { ...spec, agent_id: OTHER_AGENT, intervals: { ...spec.intervals, load_balancers: false } },
    })
  })

  it('asks for a sync of every type it reads, or of those named, never of one switched off', () => {
    const off: ConnectorSpec = { ...spec, intervals: { ...spec.intervals, databases: false } }
    const ctx = context({ [CONNECTOR]: off })
    expect(
      decideConnector(ctx, { type: 'request_sync', connectorId: CONNECTOR, resourceTypes: undefined }),
    ).toEqual([
      {
        type: EventType.connectorSyncRequested,
        data: { connector_id: CONNECTOR, resource_types: ['servers', 'load_balancers', 'datacenters'] },
      },
    ])
    expect(
      refusal(ctx, { type: 'request_sync', connectorId: CONNECTOR, resourceTypes: ['databases'] }),
    ).toEqual({ status: 422, code: 'resource_type_off' })
  })
})

describe('a connector’s sync, as discovery takes it', () => {
  it('creates what it saw, with tags and relations to entities an earlier sync saw, and counts it', () => {
    const datacenter = sync(
      [],
      report(
        [
          {
            key: `datacenter/aws/${CONNECTOR}`,
            kind: 'datacenter',
            name: 'AWS',
            attributes: { provider: 'aws' },
          },
        ],
        {
          resource_type: 'datacenters',
        },
      ),
    )
    const history = byConnector(datacenter.events)
    const newId = ids()
    newId()
    const first = sync(
      history,
      report([
        server('i-1', { relations: [{ type: 'located_in', to: `datacenter/aws/${CONNECTOR}` }] }),
        server('i-2'),
      ]),
      newId,
    )
    expect(first.events.map((e) => e.type)).toEqual([
      EventType.entityCreated,
      EventType.entityCreated,
      EventType.relationAdded,
      EventType.discoveryObserved,
    ])
    expect(first.events[0]?.data).toMatchObject({ definition: { name: 'web-i-1', tags: ['env-prod'] } })
    expect(first.events[2]?.data).toMatchObject({
      type: 'located_in',
      to_kind: 'datacenter',
      from_kind: 'server',
    })
    expect(first.synced).toEqual({
      type: EventType.connectorSynced,
      data: {
        connector_id: CONNECTOR,
        resource_type: 'servers',
        started_at: '2026-12-06T10:00:00.000Z',
        finished_at: '2026-12-06T10:00:02.000Z',
        status: 'succeeded',
        created: 2,
        updated: 0,
        retired: 0,
        unchanged: 0,
        errors: [],
      },
    })
  })

  it('updates what changed, leaves a field a person set, and counts the rest unchanged', () => {
    const created = sync([], report([server('i-1'), server('i-2')]))
    const firstId = (created.events[0]?.data as { entity_id: string } | undefined)?.entity_id
    const definition = (created.events[0]?.data as { definition: Record<string, unknown> } | undefined)
      ?.definition
    const history = [
      ...byConnector(created.events),
      {
        actor: PERSON,
        body: {
          type: EventType.entityUpdated,
          data: { entity_id: firstId, definition: { ...definition, name: 'checkout web', tags: ['pci'] } },
        },
      } as Given,
    ]
    const second = sync(
      history,
      report([
        server('i-1', { name: 'renamed-in-aws', tags: ['env-staging'] }),
        server('i-2', { attributes: { ...server('i-2').attributes, private_ipv4: ['10.0.0.9'] } }),
      ]),
    )
    // i-1: the person's name and tags stay, so nothing to write; i-2: its address changed.
    expect(second.synced.data).toMatchObject({
      created: 0,
      updated: 1,
      retired: 0,
      unchanged: 1,
      status: 'succeeded',
    })
    expect(second.events.filter((e) => e.type === EventType.entityUpdated)).toHaveLength(1)
    expect(second.events.find((e) => e.type === EventType.entityUpdated)?.data).toMatchObject({
      definition: { attributes: { private_ipv4: ['10.0.0.9'] } },
    })
  })

  it('matches a server a person made by its instance id before creating one', () => {
    const person: Given = {
      actor: PERSON,
      body: {
        type: EventType.entityCreated,
        data: {
          entity_id: '01J0000000000000000PERSON1',
          definition: {
            kind: 'server',
            name: 'billing',
            team_id: null,
            attributes: {
              hostname: 'billing',
              private_ipv4: [],
              public_ipv4: [],
              os: {},
              storage: [],
              auth_methods: [],
              services: [],
              instance_id: 'i-1',
            },
            tags: [],
            custom_fields: {},
            restricted: false,
          },
        },
      },
    }
    const matched = sync([person], report([server('i-1')]))
    expect(matched.synced.data).toMatchObject({ created: 0, updated: 1 })
    expect(matched.events[0]?.data).toMatchObject({
      entity_id: '01J0000000000000000PERSON1',
      definition: { name: 'billing', attributes: { hostname: 'billing', private_ipv4: ['10.0.0.1'] } },
    })
  })

  it('retires what a complete sync no longer finds, unless another source still sees it', () => {
    const created = sync([], report([server('i-1'), server('i-2'), server('i-3')]))
    const [one, , three] = created.events.slice(0, 3).map((e) => (e.data as { entity_id: string }).entity_id)
    const agentSees: Given = {
      actor: discoveryActor(`agent:${AGENT}`),
      body: {
        type: EventType.discoveryObserved,
        data: {
          source: `agent:${AGENT}`,
          scope: 'facts',
          seen: [{ entity_id: three as string, key: `server/agent/${AGENT}` }],
          missing: [],
        },
      },
    }
    const later = sync([...byConnector(created.events), agentSees], report([server('i-2')]))
    expect(later.synced.data).toMatchObject({ created: 0, updated: 0, retired: 1, unchanged: 1 })
    expect(later.events.filter((e) => e.type === EventType.entityDeactivated).map((e) => e.data)).toEqual([
      { entity_id: one },
    ])
    // Found again: brought back, since discovery retired it.
    const back = sync(
      [...byConnector(created.events), agentSees, ...byConnector(later.events)],
      report([server('i-1'), server('i-2')]),
    )
    expect(
      back.events.some(
        (e) => e.type === EventType.entityRestored && (e.data as { entity_id: string }).entity_id === one,
      ),
    ).toBe(true)
    expect(back.synced.data).toMatchObject({ updated: 1, unchanged: 1, retired: 0 })
  })

  it('retires nothing after a failed or partial sync, and records it as failed with its errors', () => {
    const created = sync([], report([server('i-1'), server('i-2')]))
    const error = {
      code: 'unauthorized',
      message: 'ec2:DescribeInstances was refused',
      hint: 'Unauthorized: grant read-only permission ec2:DescribeInstances',
      where: 'eu-west-1',
    }
    const failed = sync(byConnector(created.events), report([], { complete: false, errors: [error] }))
    expect(failed.events).toEqual([])
    expect(failed.synced.data).toMatchObject({
      status: 'failed',
      created: 0,
      updated: 0,
      retired: 0,
      unchanged: 0,
      errors: [error],
    })
    const partial = sync(byConnector(created.events), report([server('i-2')], { complete: false }))
    expect(partial.events.map((e) => e.type)).toEqual([EventType.discoveryObserved])
    expect(partial.events[0]?.data).toMatchObject({ missing: [] })
    expect(partial.synced.data).toMatchObject({ status: 'failed', retired: 0, unchanged: 1 })
  })
})
