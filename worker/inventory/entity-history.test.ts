import { describe, expect, it } from 'vitest'
import { EventType, type LoggedEvent } from '../../schema/events'
import type { EntityDefinition } from '../../schema/inventory/entity'
import { diffValues, entityAt } from './entity-history'

const ENTITY = '01J0000000000000000ENTITY1'
const app = (language: string): EntityDefinition => ({
  kind: 'application',
  name: 'shop',
  team_id: null,
  attributes: { language },
  tags: [],
  custom_fields: {},
  restricted: false,
})

let seq = 0
const logged = (type: string, time: string, data: unknown): LoggedEvent =>
  ({
    specversion: '1.0',
    id: `e${++seq}`,
    source: '/sites/x',
    type,
    subject: ENTITY,
    time,
    seq,
    data,
    actor: 'user/ada',
  }) as LoggedEvent

const events = [
  logged(EventType.entityCreated, '2026-01-01T00:00:00.000Z', { entity_id: ENTITY, definition: app('go') }),
  logged(EventType.entityUpdated, '2026-02-01T00:00:00.000Z', { entity_id: ENTITY, definition: app('rust') }),
  logged(EventType.entityDeactivated, '2026-03-01T00:00:00.000Z', { entity_id: ENTITY }),
]

describe('entity history', () => {
  it('folds an entity up to an instant', () => {
    expect(entityAt(events, Date.parse('2025-12-31T00:00:00Z'))).toBeUndefined()
    expect(entityAt(events, Date.parse('2026-01-15T00:00:00Z'))).toMatchObject({
      definition: { attributes: { language: 'go' } },
      active: true,
      version: 1,
      created_by: 'user/ada',
    })
    expect(entityAt(events, Date.parse('2026-02-01T00:00:00Z'))).toMatchObject({
      definition: { attributes: { language: 'rust' } },
      version: 2,
      updated_at: '2026-02-01T00:00:00.000Z',
    })
    expect(entityAt(events, Date.parse('2027-01-01T00:00:00Z'))).toMatchObject({ active: false, version: 3 })
  })

  it('diffs two values leaf by leaf, by dot path, absent as null', () => {
    expect(
      diffValues(
        { name: 'a', attributes: { os: { base: 'linux' }, ips: ['1', '2'] }, tags: [] },
        { name: 'b', attributes: { os: {}, ips: ['1'] }, tags: ['x'] },
      ),
    ).toEqual([
      { path: 'attributes.ips.1', before: '2', after: null },
      { path: 'attributes.os.base', before: 'linux', after: null },
      { path: 'name', before: 'a', after: 'b' },
      { path: 'tags.0', before: null, after: 'x' },
    ])
    expect(diffValues(null, { name: 'a' })).toEqual([{ path: 'name', before: null, after: 'a' }])
    expect(diffValues({ a: 1 }, { a: 1 })).toEqual([])
  })
})
