import { describe, expect, it } from 'vitest'
import { EventType } from '../../schema/events'
import { decideStaleness, type SightedEntity } from './staleness'

const DAY = 86_400_000
const NOW = Date.parse('2026-12-06T12:00:00Z')
const SETTINGS = { stale_after_days: 7, inactive_after_days: 30 }
const entity = (id: string, unseenDays: number, more: Partial<SightedEntity> = {}): SightedEntity => ({
  id,
  active: true,
  stale: false,
  lastSeenAt: NOW - unseenDays * DAY,
  source: 'agent:01J000000000000000000AGENT',
  ...more,
})
const ID = (n: number) => `01J0000000000000000000000${n}`

describe('decideStaleness', () => {
  it('leaves what was seen recently, and says when it would turn stale', () => {
    expect(decideStaleness([entity(ID(1), 2)], NOW, SETTINGS)).toEqual({ changes: [], next: NOW + 5 * DAY })
  })

  it('marks stale after N days, by the source that saw it last, then waits for M', () => {
    const decision = decideStaleness([entity(ID(1), 8)], NOW, SETTINGS)
    expect(decision.changes).toEqual([
      {
        subject: ID(1),
        actor: 'discovery:agent:01J000000000000000000AGENT',
        body: {
          type: EventType.entityMarkedStale,
          data: { entity_id: ID(1), last_seen_at: new Date(NOW - 8 * DAY).toISOString() },
        },
      },
    ])
    expect(decision.next).toBe(NOW + 22 * DAY)
    expect(decideStaleness([entity(ID(1), 8, { stale: true })], NOW, SETTINGS).changes).toEqual([])
  })

  it('deactivates after M days, marking stale on the way if it was not yet', () => {
    const decision = decideStaleness([entity(ID(1), 31), entity(ID(2), 30, { stale: true })], NOW, SETTINGS)
    expect(decision.changes.map((c) => [c.subject, c.body.type])).toEqual([
      [ID(1), EventType.entityMarkedStale],
      [ID(1), EventType.entityDeactivated],
      [ID(2), EventType.entityDeactivated],
    ])
    expect(decision.next).toBeUndefined()
  })

  it('leaves inactive entities alone', () => {
    expect(decideStaleness([entity(ID(1), 100, { active: false })], NOW, SETTINGS)).toEqual({
      changes: [],
      next: undefined,
    })
  })
})
