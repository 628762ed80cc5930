import { describe, expect, it } from 'vitest'
import { EventType, type SitewireEventBody } from '../../schema/events'
import type { CustomFieldDefinition } from '../../schema/inventory/custom-fields'
import type { EntityDefinition } from '../../schema/inventory/entity'
import type { OptionListName } from '../../schema/inventory/option-lists'
import { ApiError } from '../http/errors'
import {
  decideInventory,
  type InventoryCommand,
  type InventoryView,
  type KnownEntity,
} from './inventory-decider'

const SITE = '01J0000000000000000000SITE'
const OTHER_SITE = '01J000000000000000000SITE2'
const TEAM = '01J00000000000000000TEAM01'
const id = (n: number) => `01J0000000000000000000000${n}`

/** The decider's view of a site whose inventory is what `events` made it. */
const given = (events: SitewireEventBody[]): InventoryView => {
  const entities = new Map<string, KnownEntity>()
  const relations = new Map<string, { fromId: string; type: string; toId: string }>()
  const fields: CustomFieldDefinition[] = []
  const options = new Map<OptionListName, string[]>()
  const grants = new Map<string, { entityId: string; subject: string }>()
  for (const event of events) {
    switch (event.type) {
      case EventType.entityCreated:
      case EventType.entityUpdated:
        entities.set(event.data.entity_id, {
          id: event.data.entity_id,
          definition: event.data.definition,
          active: entities.get(event.data.entity_id)?.active ?? true,
          fieldSources: {},
          updatedBy: 'user/01J00000000000000000USER01',
        })
        break
      case EventType.entityDeactivated:
      case EventType.entityRestored: {
        const entity = entities.get(event.data.entity_id)
        if (entity) entity.active = event.type === EventType.entityRestored
        break
      }
      case EventType.relationAdded:
        relations.set(event.data.relation_id, {
          fromId: event.data.from_id,
          type: event.data.type,
          toId: event.data.to_id,
        })
        break
      case EventType.customFieldDefined:
        fields.push(event.data.field)
        break
      case EventType.optionListSet:
        options.set(event.data.list, event.data.values)
        break
      case EventType.entityGranted:
        grants.set(event.data.grant_id, {
          entityId: event.data.entity_id,
          subject: `${event.data.subject.type}/${event.data.subject.id}`,
        })
        break
    }
  }
  return {
    entity: (entityId) => entities.get(entityId),
    customFields: (kind) => fields.filter((field) => field.kind === kind),
    options: (list) => options.get(list) ?? [],
    duplicates: (teamId, hostname, addresses, except) =>
      [...entities.values()].flatMap((entity) => {
        const d = entity.definition
        if (d.kind !== 'server' || entity.id === except || d.team_id !== teamId || !entity.active) return []
        const shared = [...d.attributes.private_ipv4, ...d.attributes.public_ipv4].filter((a) =>
          addresses.includes(a),
        )
        const sameName = d.attributes.hostname === hostname
        return sameName || shared.length > 0
          ? [{ entity_id: entity.id, hostname: sameName, addresses: shared }]
          : []
      }),
    relation: (relationId) => relations.get(relationId),
    hasRelation: (fromId, type, toId) =>
      [...relations.values()].some((rel) => rel.fromId === fromId && rel.type === type && rel.toId === toId),
    grant: (entityId, grantId) => grants.get(grantId)?.entityId === entityId,
    grantTo: (entityId, subject) =>
      [...grants.entries()].find(
        ([, grant]) => grant.entityId === entityId && grant.subject === `${subject.type}/${subject.id}`,
      )?.[0],
  }
}

const server = (hostname: string, overrides: Partial<Record<string, unknown>> = {}): EntityDefinition => ({
  kind: 'server',
  name: hostname,
  team_id: TEAM,
  attributes: {
    hostname,
    private_ipv4: ['10.0.0.1'],
    public_ipv4: [],
    os: {},
    storage: [],
    auth_methods: [],
    services: [],
    ...overrides,
  },
  tags: [],
  custom_fields: {},
  restricted: false,
})

const app = (name: string): EntityDefinition => ({
  kind: 'application',
  name,
  team_id: null,
  attributes: {},
  tags: [],
  custom_fields: {},
  restricted: false,
})

const created = (entityId: string, definition: EntityDefinition): SitewireEventBody => ({
  type: EventType.entityCreated,
  data: { entity_id: entityId, definition },
})

/** The refusal a command gets: status, code and details. */
const refused = (view: InventoryView, command: InventoryCommand) => {
  try {
    decideInventory(view, command)
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code, details: error.details }
    throw error
  }
  throw new Error('the command was not refused')
}

describe('inventory decider', () => {
  it('creates an entity; a duplicate hostname or address in the same team is accepted with warnings', () => {
    const view = given([created(id(1), server('web-1'))])
    const decision = decideInventory(view, {
      type: 'create',
      entityId: id(2),
      definition: server('web-1', { private_ipv4: ['10.0.0.1', '10.0.0.2'] }),
    })
    expect(decision.events).toEqual([
      created(id(2), server('web-1', { private_ipv4: ['10.0.0.1', '10.0.0.2'] })),
    ])
    expect(decision.warnings.map((w) => [w.code, w.entity_id])).toEqual([
      ['duplicate_hostname', id(1)],
      ['duplicate_ip', id(1)],
    ])
    const otherTeam = { ...server('web-1'), team_id: null }
    expect(
      decideInventory(view, { type: 'create', entityId: id(3), definition: otherTeam }).warnings,
    ).toEqual([])
  })

  it('refuses custom fields that are unknown, of the wrong type, outside their choices or missing when required', () => {
    const view = given([
      {
        type: EventType.customFieldDefined,
        data: { field: { kind: 'server', name: 'rack', type: 'integer', required: true, description: '' } },
      },
      {
        type: EventType.customFieldDefined,
        data: {
          field: {
            kind: 'server',
            name: 'tier',
            type: 'select',
            required: false,
            choices: ['gold'],
            description: '',
          },
        },
      },
    ])
    const definition = { ...server('db-1'), custom_fields: { tier: 'silver', colour: 'red' } }
    expect(refused(view, { type: 'create', entityId: id(1), definition })).toEqual({
      status: 400,
      code: 'validation_failed',
      details: [
        { path: 'custom_fields.tier', message: 'must be one of gold' },
        { path: 'custom_fields.colour', message: 'server has no such custom field' },
        { path: 'custom_fields.rack', message: 'is required' },
      ],
    })
    const fine = { ...server('db-1'), custom_fields: { rack: 12, tier: 'gold' } }
    expect(decideInventory(view, { type: 'create', entityId: id(1), definition: fine }).events).toHaveLength(
      1,
    )
  })

  it('holds governed fields to the configured option lists once they have values', () => {
    const view = given([
      { type: EventType.optionListSet, data: { list: 'environments', values: ['prod', 'dev'] } },
    ])
    const definition = server('web-1', { environment: 'staging' })
    expect(refused(view, { type: 'create', entityId: id(1), definition }).details).toEqual([
      { path: 'attributes.environment', message: "must be one of the site's environments: prod, dev" },
    ])
  })

  it('merges a change into the definition and checks the result against the kind', () => {
    const view = given([created(id(1), server('web-1'))])
    const decision = decideInventory(view, {
      type: 'update',
      entityId: id(1),
      changes: { attributes: { memory_mb: 4096, instance_id: null }, tags: ['prod'] },
    })
    expect(decision.events).toEqual([
      {
        type: EventType.entityUpdated,
        data: {
          entity_id: id(1),
          definition: { ...server('web-1', { memory_mb: 4096 }), tags: ['prod'] },
        },
      },
    ])
    expect(
      refused(view, { type: 'update', entityId: id(1), changes: { attributes: { memory_mb: 'lots' } } }),
    ).toMatchObject({ status: 400, code: 'validation_failed', details: [{ path: 'attributes.memory_mb' }] })
    expect(refused(view, { type: 'update', entityId: id(9), changes: { name: 'x' } }).status).toBe(404)
  })

  it('deactivates and restores once each way', () => {
    const view = given([
      created(id(1), app('shop')),
      { type: EventType.entityDeactivated, data: { entity_id: id(1) } },
    ])
    expect(refused(view, { type: 'deactivate', entityId: id(1) }).code).toBe('entity_inactive')
    expect(decideInventory(view, { type: 'restore', entityId: id(1) }).events).toEqual([
      { type: EventType.entityRestored, data: { entity_id: id(1) } },
    ])
  })

  it('relates kinds the relation type joins, and refuses others, unknown targets and repeats', () => {
    const view = given([
      created(id(1), app('shop')),
      created(id(2), server('web-1')),
      {
        type: EventType.relationAdded,
        data: {
          relation_id: id(5),
          type: 'runs_on',
          from_id: id(1),
          from_kind: 'application',
          to_id: id(2),
          to_kind: 'server',
          to_site_id: SITE,
        },
      },
    ])
    const relate = (input: {
      type: 'runs_on' | 'balances'
      from_id: string
      to_id: string
      to_site_id?: string
    }) => ({ type: 'relate', relationId: id(6), siteId: SITE, input }) as const
    expect(refused(view, relate({ type: 'balances', from_id: id(1), to_id: id(2) }))).toMatchObject({
      status: 400,
      code: 'relation_not_allowed',
    })
    expect(refused(view, relate({ type: 'runs_on', from_id: id(1), to_id: id(2) })).status).toBe(409)
    expect(refused(view, relate({ type: 'runs_on', from_id: id(1), to_id: id(9) })).status).toBe(404)
    expect(refused(view, relate({ type: 'runs_on', from_id: id(9), to_id: id(2) })).status).toBe(404)
    expect(
      refused(view, relate({ type: 'runs_on', from_id: id(1), to_id: id(8), to_site_id: OTHER_SITE })).status,
    ).toBe(404)
    const remote = decideInventory(view, {
      ...relate({ type: 'runs_on', from_id: id(1), to_id: id(8), to_site_id: OTHER_SITE }),
      remote: { kind: 'server', site_id: OTHER_SITE },
    })
    expect(remote.events[0]?.data).toMatchObject({
      to_site_id: OTHER_SITE,
      to_kind: 'server',
      from_kind: 'application',
    })
  })

  it('replaces a grant to the same subject under its first id; revokes only grants of the entity', () => {
    const subject = { type: 'team' as const, id: TEAM }
    const view = given([
      created(id(1), app('shop')),
      created(id(2), app('blog')),
      { type: EventType.entityGranted, data: { entity_id: id(1), grant_id: id(7), subject, level: 'read' } },
    ])
    expect(
      decideInventory(view, { type: 'grant', grantId: id(8), entityId: id(1), subject, level: 'admin' })
        .events,
    ).toEqual([
      { type: EventType.entityGranted, data: { entity_id: id(1), grant_id: id(7), subject, level: 'admin' } },
    ])
    expect(refused(view, { type: 'revoke', entityId: id(2), grantId: id(7) }).status).toBe(404)
  })
})
