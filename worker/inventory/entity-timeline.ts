import type { Entity, EntityChange, EntityDiff } from '../../schema/api/inventory'
import type { LoggedEvent } from '../../schema/events'
import type { EntityState } from '../../schema/inventory/entity'
import { apiError } from '../http/errors'
import type { Reply } from '../lib/idempotency'
import type { SiteKernel } from '../site/feature'
import type { InventoryCaller } from './entity-access'
import { changesEntity, diffValues, entityAt, evolveEntity } from './entity-history'
import type { InventoryReads } from './inventory-reads'

/** An entity's events are read whole for its history; far more than any entity gathers. */
const HISTORY_LIMIT = 100_000

/** An entity through time, folded from its events: who changed it when, how it was, what changed. */
export class EntityTimeline {
  constructor(
    private readonly kernel: SiteKernel,
    private readonly reads: InventoryReads,
  ) {}

  /** The entity's changes, oldest first: who made each, when. */
  changes(entityId: string, caller: InventoryCaller): Reply<{ items: EntityChange[] }> {
    this.kernel.scope.present()
    this.reads.readable(entityId, caller)
    let state: EntityState | undefined
    const items = this.history(entityId).map((event) => {
      state = evolveEntity(state, event)
      return {
        seq: event.seq,
        type: event.type,
        time: event.time,
        actor: String(event.actor ?? 'unknown'),
        version: state?.version ?? 0,
      }
    })
    return { status: 200, body: { items } }
  }

  /** The entity as it was at an instant; 404 if it did not exist yet. */
  at(entityId: string, at: string, caller: InventoryCaller): Reply<Entity> {
    this.kernel.scope.present()
    const row = this.reads.readable(entityId, caller)
    const state = entityAt(this.history(entityId), Date.parse(at))
    if (!state) throw apiError(404, 'not_found', 'the entity did not exist at that instant')
    return {
      status: 200,
      body: this.reads.stateView(entityId, state, this.reads.level(row, caller) ?? 'read'),
    }
  }

  /** What changed in the entity between two instants, field by field. */
  diff(entityId: string, from: string, to: string, caller: InventoryCaller): Reply<EntityDiff> {
    this.kernel.scope.present()
    const row = this.reads.readable(entityId, caller)
    const level = this.reads.level(row, caller) ?? 'read'
    const events = this.history(entityId)
    const view = (state: EntityState | undefined) =>
      state ? this.reads.stateView(entityId, state, level) : null
    const before = view(entityAt(events, Date.parse(from)))
    const after = view(entityAt(events, Date.parse(to)))
    const comparable = (entity: Entity | null) =>
      entity && {
        name: entity.name,
        team_id: entity.team_id,
        attributes: entity.attributes,
        tags: entity.tags,
        custom_fields: entity.custom_fields,
        restricted: entity.restricted,
        active: entity.active,
      }
    return {
      status: 200,
      body: { from: before, to: after, changes: diffValues(comparable(before), comparable(after)) },
    }
  }

  private history(entityId: string): LoggedEvent[] {
    return this.kernel.log
      .readHistory(entityId, 0, HISTORY_LIMIT)
      .filter((event) => changesEntity(event.type))
  }
}
