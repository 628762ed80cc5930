import { and, eq, lt, sql } from 'drizzle-orm'
import { inventoryEntities, inventoryGrants, inventoryRelations } from '../../schema/db/projections'
import { EventType } from '../../schema/events'
import { type EventProjector, updateOnce } from './projected-event'

/**
 * The tenant-wide inventory rows, as the site's inventory book folds the same events. Each
 * statement applies once: entity and grant changes need a `last_seq` older than the event's,
 * sightings and staleness a `seen_seq` older than theirs;
 * relations and grants are marked removed or revoked rather than deleted, so a replayed
 * addition never brings one back.
 */
export const projectInventoryEvent: EventProjector = ({ db, siteId, tenantId, seq, time, body }) => {
  switch (body.type) {
    case EventType.entityCreated:
    case EventType.entityUpdated: {
      const { entity_id, definition } = body.data
      const columns = {
        kind: definition.kind,
        name: definition.name,
        teamId: definition.team_id,
        attributes: definition.attributes as Record<string, unknown>,
        tags: definition.tags,
        customFields: definition.custom_fields,
        restricted: definition.restricted,
        updatedAt: time,
        lastSeq: seq,
      }
      return db
        .insert(inventoryEntities)
        .values({ id: entity_id, siteId, tenantId, ...columns, active: true, createdAt: time })
        .onConflictDoUpdate({
          target: inventoryEntities.id,
          set: columns,
          setWhere: lt(inventoryEntities.lastSeq, seq),
        })
    }
    case EventType.entityDeactivated:
    case EventType.entityRestored:
      return updateOnce(db, seq, inventoryEntities, body.data.entity_id, {
        active: body.type === EventType.entityRestored,
        updatedAt: time,
      })
    case EventType.entityMarkedStale:
      return db
        .update(inventoryEntities)
        .set({ stale: true, lastSeenAt: body.data.last_seen_at, seenSeq: seq })
        .where(and(eq(inventoryEntities.id, body.data.entity_id), lt(inventoryEntities.seenSeq, seq)))
    case EventType.discoveryObserved: {
      // One statement whatever the count: the ids go as one JSON parameter, not one variable each.
      const seen = JSON.stringify([...new Set(body.data.seen.map((sighting) => sighting.entity_id))])
      return db
        .update(inventoryEntities)
        .set({ stale: false, lastSeenAt: time, seenSeq: seq })
        .where(
          and(
            sql`${inventoryEntities.id} in (select value from json_each(${seen}))`,
            lt(inventoryEntities.seenSeq, seq),
          ),
        )
    }
    case EventType.relationAdded: {
      const d = body.data
      return db
        .insert(inventoryRelations)
        .values({
          id: d.relation_id,
          siteId,
          tenantId,
          type: d.type,
          fromId: d.from_id,
          toId: d.to_id,
          toSiteId: d.to_site_id,
          removed: false,
          createdAt: time,
        })
        .onConflictDoNothing()
    }
    case EventType.relationRemoved:
      return db
        .update(inventoryRelations)
        .set({ removed: true })
        .where(eq(inventoryRelations.id, body.data.relation_id))
    case EventType.entityGranted: {
      const d = body.data
      const columns = { level: d.level, revoked: false, lastSeq: seq }
      return db
        .insert(inventoryGrants)
        .values({
          id: d.grant_id,
          siteId,
          entityId: d.entity_id,
          subjectType: d.subject.type,
          subjectId: d.subject.id,
          ...columns,
        })
        .onConflictDoUpdate({
          target: inventoryGrants.id,
          set: columns,
          setWhere: lt(inventoryGrants.lastSeq, seq),
        })
    }
    case EventType.entityGrantRevoked:
      return updateOnce(db, seq, inventoryGrants, body.data.grant_id, { revoked: true })
    default:
      return undefined
  }
}
