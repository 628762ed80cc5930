import { EventType, type SitewireEventBody } from '../../schema/events'
import {
  type DiscoverySource,
  discoveryActor,
  type StalenessSettings,
} from '../../schema/inventory/discovery'

const DAY_MS = 86_400_000

/** An entity some source saw, as staleness needs it. */
export interface SightedEntity {
  id: string
  active: boolean
  stale: boolean
  /** Its latest sighting (ms); a connected agent still sees what its last facts showed, so that is now. */
  lastSeenAt: number
  /** The source of that sighting: it names the change. */
  source: DiscoverySource
}

export interface StaleChange {
  subject: string
  actor: string
  body: SitewireEventBody
}

export interface StalenessDecision {
  changes: StaleChange[]
  /** When the next entity turns stale or inactive, if any will. */
  next: number | undefined
}

/**
 * Which entities no source has seen for long enough: stale after `stale_after_days`, inactive
 * (deactivated, as a person's soft delete) after `inactive_after_days`. Pure: the clock is `now`.
 */
export const decideStaleness = (
  entities: readonly SightedEntity[],
  now: number,
  settings: StalenessSettings,
): StalenessDecision => {
  const staleMs = settings.stale_after_days * DAY_MS
  const inactiveMs = settings.inactive_after_days * DAY_MS
  const changes: StaleChange[] = []
  let next: number | undefined
  const later = (at: number) => {
    next = next === undefined ? at : Math.min(next, at)
  }
  for (const entity of entities) {
    if (!entity.active) continue
    const actor = discoveryActor(entity.source)
    const unseen = now - entity.lastSeenAt
    const staleNow = entity.stale || unseen >= staleMs
    if (!entity.stale && staleNow)
      changes.push({
        subject: entity.id,
        actor,
        body: {
          type: EventType.entityMarkedStale,
          data: { entity_id: entity.id, last_seen_at: new Date(entity.lastSeenAt).toISOString() },
        },
      })
    if (unseen >= inactiveMs) {
      changes.push({
        subject: entity.id,
        actor,
        body: { type: EventType.entityDeactivated, data: { entity_id: entity.id } },
      })
      continue
    }
    later(entity.lastSeenAt + (staleNow ? inactiveMs : staleMs))
  }
  return { changes, next }
}
