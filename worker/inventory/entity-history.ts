import type { FieldChange } from '../../schema/api/inventory'
import { EventType, type LoggedEvent } from '../../schema/events'
import type { EntityDefinition, EntityState } from '../../schema/inventory/entity'

const actorOf = (event: LoggedEvent) => String(event.actor ?? 'unknown')

/** Folds one of an entity's events into its state; events about its relations and grants leave it as it is. */
export const evolveEntity = (state: EntityState | undefined, event: LoggedEvent): EntityState | undefined => {
  const stamp = { updated_at: event.time, updated_by: actorOf(event) }
  switch (event.type) {
    case EventType.entityCreated:
      return {
        definition: (event.data as { definition: EntityDefinition }).definition,
        active: true,
        created_at: event.time,
        created_by: actorOf(event),
        ...stamp,
        version: 1,
      }
    case EventType.entityUpdated:
      return (
        state && {
          ...state,
          definition: (event.data as { definition: EntityDefinition }).definition,
          ...stamp,
          version: state.version + 1,
        }
      )
    case EventType.entityDeactivated:
      return state && { ...state, active: false, ...stamp, version: state.version + 1 }
    case EventType.entityRestored:
      return state && { ...state, active: true, ...stamp, version: state.version + 1 }
    default:
      return state
  }
}

/** Whether an event changes the entity itself, so that it is one of its versions. */
export const changesEntity = (type: string) =>
  type === EventType.entityCreated ||
  type === EventType.entityUpdated ||
  type === EventType.entityDeactivated ||
  type === EventType.entityRestored

/** The entity as its events left it at an instant (ms): undefined if it did not exist yet. */
export const entityAt = (events: readonly LoggedEvent[], at: number): EntityState | undefined => {
  let state: EntityState | undefined
  for (const event of events) {
    if (Date.parse(event.time) > at) break
    state = evolveEntity(state, event)
  }
  return state
}

/** Every leaf that differs between two values, by dot path (array items by index); absent is null. */
export const diffValues = (before: unknown, after: unknown, path = ''): FieldChange[] => {
  if (isBranch(before) || isBranch(after)) {
    const left = isBranch(before) ? before : {}
    const right = isBranch(after) ? after : {}
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort()
    return keys.flatMap((key) =>
      diffValues(
        (left as Record<string, unknown>)[key],
        (right as Record<string, unknown>)[key],
        path ? `${path}.${key}` : key,
      ),
    )
  }
  return JSON.stringify(before ?? null) === JSON.stringify(after ?? null)
    ? []
    : [{ path, before: before ?? null, after: after ?? null }]
}

const isBranch = (value: unknown): value is object => typeof value === 'object' && value !== null
