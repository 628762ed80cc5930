import { describe, expect, it } from 'vitest'
import type { Facts } from '../../schema/agent/facts'
import { EventType, type SitewireEventBody } from '../../schema/events'
import { discoveryActor, isDiscoveryActor } from '../../schema/inventory/discovery'
import type { EntityDefinition } from '../../schema/inventory/entity'
import { agentCandidates } from './agent-candidates'
import { type DiscoveryView, decideDiscovery } from './discovery-decider'
import { type Given, given, ids } from './discovery-view.fixture'

const SITE = '01J0000000000000000000SITE'
const AGENT = '01J000000000000000000AGENT'
const SOURCE = `agent:${AGENT}` as const
const DISCOVERY = discoveryActor(SOURCE)
const PERSON = 'user/01J00000000000000000USER01'

const facts: Facts = {
  hostname: 'db-1',
  os: { family: 'linux', distribution: 'Debian GNU/Linux', version: '12' },
  cpu: { count: 4 },
  memory_bytes: 8 * 1024 * 1024 * 1024,
  disks: [
    { mount: '/', filesystem: 'ext4', device: '/dev/vda1', size_bytes: 100_000_000_000, used_bytes: 1 },
  ],
  ip_addresses: ['10.0.0.7', '203.0.113.9', 'fe80::1', '127.0.0.1'],
  services: [
    { name: 'ssh.service', state: 'running', active: 'active', enabled: true },
    { name: 'postgresql@16-main.service', state: 'running', active: 'active', enabled: true },
    { name: 'old.service', state: 'dead', active: 'inactive', enabled: true },
  ],
  listening: [
    { address: '0.0.0.0', port: 22, process: 'sshd' },
    { address: '0.0.0.0', port: 5432, process: 'postgres' },
    { address: '0.0.0.0', port: 8080, process: 'shop-api' },
  ],
  databases: [{ engine: 'postgresql', process: 'postgres', port: 5432, version: '16.4-1' }],
}

const look = (view: DiscoveryView, reported: Facts, newId = ids()) =>
  decideDiscovery(
    view,
    { source: SOURCE, scope: 'facts', candidates: agentCandidates(AGENT, reported) },
    SITE,
    newId,
  )

/** The decision's events as the log would hold them, all by discovery. */
const byDiscovery = (events: SitewireEventBody[]): Given[] =>
  events.map((body) => ({ actor: DISCOVERY, body }))

const definitionOf = (events: SitewireEventBody[], entityId: string): EntityDefinition | undefined =>
  events.flatMap((e) =>
    (e.type === EventType.entityCreated || e.type === EventType.entityUpdated) &&
    e.data.entity_id === entityId
      ? [e.data.definition]
      : [],
  )[0]

describe('discovery from an agent', () => {
  it('creates the server, its database, the well-known services and an application, with their relations', () => {
    const decision = look(given([]), facts)
    const created = decision.events.filter((e) => e.type === EventType.entityCreated)
    expect(created.map((e) => e.data.definition.kind === 'server' || e.data.definition.name)).toEqual([
      true,
      'postgresql on db-1:5432',
      'postgresql',
      'ssh',
      'shop-api on db-1',
    ])
    expect(decision.created).toBe(5)
    const server = definitionOf(decision.events, '01J00000000000000000000001')
    expect(server).toEqual({
      kind: 'server',
      name: 'db-1',
      team_id: null,
      tags: [],
      custom_fields: {},
      restricted: false,
      attributes: expect.objectContaining({
        hostname: 'db-1',
        private_ipv4: ['10.0.0.7'],
        public_ipv4: ['203.0.113.9'],
        os: { base: 'linux', distro: 'Debian GNU/Linux', version: '12' },
        cpu_cores: 4,
        memory_mb: 8192,
        storage: [{ name: '/', size_gb: 100, type: 'ext4' }],
        services: ['postgresql', 'postgresql@16-main', 'ssh'],
      }),
    })
    expect(definitionOf(decision.events, '01J00000000000000000000002')?.attributes).toEqual({
      engine: 'postgresql',
      version: '16.4-1',
    })
    const relations = decision.events.filter((e) => e.type === EventType.relationAdded).map((e) => e.data)
    expect(relations.map((r) => [r.type, r.from_kind, r.to_id, r.to_site_id])).toEqual([
      ['runs_on', 'database', '01J00000000000000000000001', SITE],
      ['runs_on', 'application', '01J00000000000000000000001', SITE],
    ])
    const observed = decision.events.at(-1)
    expect(observed).toEqual({
      type: EventType.discoveryObserved,
      data: {
        source: SOURCE,
        scope: 'facts',
        seen: [
          { entity_id: '01J00000000000000000000001', key: `server/agent/${AGENT}` },
          {
            entity_id: '01J00000000000000000000002',
            key: 'database/postgresql/01J00000000000000000000001/5432',
          },
          { entity_id: '01J00000000000000000000003', key: 'service/postgresql' },
          { entity_id: '01J00000000000000000000004', key: 'service/ssh' },
          { entity_id: '01J00000000000000000000005', key: 'application/01J00000000000000000000001/shop-api' },
        ],
        missing: [],
      },
    })
  })

  it('changes nothing but the sighting when the same facts come again', () => {
    const first = look(given([]), facts)
    const again = look(given(byDiscovery(first.events)), facts, ids())
    expect(again.events.map((e) => e.type)).toEqual([EventType.discoveryObserved])
    expect(again).toMatchObject({ created: 0, updated: 0, retired: 0 })
  })

  it('matches a server a person made by hostname and private address, and fills only its empty fields', () => {
    const person: Given[] = [
      {
        actor: PERSON,
        body: {
          type: EventType.entityCreated,
          data: {
            entity_id: '01J0000000000000000PERSON1',
            definition: {
              kind: 'server',
              name: 'the database box',
              team_id: null,
              tags: [],
              custom_fields: {},
              restricted: false,
              attributes: {
                hostname: 'db-1',
                private_ipv4: ['10.0.0.7'],
                public_ipv4: [],
                os: {},
                memory_mb: 4096,
                storage: [],
                auth_methods: [],
                services: [],
              },
            },
          },
        },
      },
    ]
    const decision = look(given(person), { ...facts, databases: [], listening: [], services: [] })
    expect(decision.created).toBe(0)
    const updated = definitionOf(decision.events, '01J0000000000000000PERSON1')
    // The person's name and memory stay; the empty fields are filled.
    expect(updated?.name).toBe('the database box')
    expect(updated?.attributes).toMatchObject({
      memory_mb: 4096,
      cpu_cores: 4,
      public_ipv4: ['203.0.113.9'],
      os: { base: 'linux', distro: 'Debian GNU/Linux', version: '12' },
    })
    expect(decision.events.at(-1)?.data).toMatchObject({
      seen: [{ entity_id: '01J0000000000000000PERSON1', key: `server/agent/${AGENT}` }],
    })
  })

  it('refreshes what discovery wrote, never what a person changed after it', () => {
    const first = look(given([]), facts)
    const serverId = '01J00000000000000000000001'
    const server = definitionOf(first.events, serverId) as Extract<EntityDefinition, { kind: 'server' }>
    const personEdit: Given = {
      actor: PERSON,
      body: {
        type: EventType.entityUpdated,
        data: {
          entity_id: serverId,
          definition: { ...server, attributes: { ...server.attributes, cpu_cores: 64 } },
        },
      },
    }
    const view = given([...byDiscovery(first.events), personEdit])
    const decision = look(view, { ...facts, cpu: { count: 8 }, memory_bytes: 16 * 1024 * 1024 * 1024 })
    const updated = definitionOf(decision.events, serverId)
    expect(updated?.attributes).toMatchObject({ cpu_cores: 64, memory_mb: 16384 })
    expect(decision.updated).toBe(1)
  })

  it('names what it saw last time and misses now, and brings back what it had deactivated', () => {
    const first = look(given([]), facts)
    const withoutDb = { ...facts, databases: [], listening: facts.listening?.filter((s) => s.port !== 5432) }
    const second = look(given(byDiscovery(first.events)), withoutDb, ids())
    // The database, and the postgresql service its listening process revealed.
    expect(second.events.at(-1)?.data).toMatchObject({
      missing: ['01J00000000000000000000002', '01J00000000000000000000003'],
    })
    expect(second.retired).toBe(2)

    const deactivated: Given = {
      actor: DISCOVERY,
      body: { type: EventType.entityDeactivated, data: { entity_id: '01J00000000000000000000002' } },
    }
    const third = look(
      given([...byDiscovery(first.events), ...byDiscovery(second.events), deactivated]),
      facts,
      ids(),
    )
    expect(third.events.filter((e) => e.type === EventType.entityRestored)).toEqual([
      { type: EventType.entityRestored, data: { entity_id: '01J00000000000000000000002' } },
    ])
    // The server's services list got postgresql back; the database came back.
    expect(third.updated).toBe(2)
    expect(third.events.at(-1)?.data).toMatchObject({ missing: [] })

    // What a person deactivated stays so.
    const byPerson = { ...deactivated, actor: PERSON }
    const fourth = look(
      given([...byDiscovery(first.events), ...byDiscovery(second.events), byPerson]),
      facts,
      ids(),
    )
    expect(fourth.events.filter((e) => e.type === EventType.entityRestored)).toEqual([])
    expect(isDiscoveryActor(PERSON)).toBe(false)
  })

  it('reports nothing from facts without a hostname', () => {
    expect(look(given([]), { memory_bytes: 1 }).events).toEqual([])
  })
})
