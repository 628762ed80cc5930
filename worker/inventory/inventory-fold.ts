import { and, eq, inArray, sql } from 'drizzle-orm'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { DiscoveryObserved } from '../../schema/events/inventory'
import type { EntityDefinition } from '../../schema/inventory/entity'
import { chunks } from '../lib/sql-chunks'
import type { SiteDatabase } from '../site/feature'
import { changedFields } from './field-sources'

const e = store.inventoryEntities
const s = store.inventorySightings
const r = store.inventoryRelations
const g = store.inventoryGrants

const serverAddresses = (definition: EntityDefinition) =>
  definition.kind === 'server'
    ? [...new Set([...definition.attributes.private_ipv4, ...definition.attributes.public_ipv4])]
    : []

/** Folds the inventory's events into the site's inventory tables; `apply` runs inside the commit. */
export class InventoryFold {
  constructor(private readonly db: SiteDatabase) {}

  apply(event: LoggedEvent) {
    const body = { type: event.type, data: event.data } as SitewireEventBody
    const actor = String(event.actor ?? 'unknown')
    switch (body.type) {
      case EventType.entityCreated:
      case EventType.entityUpdated: {
        const { entity_id, definition } = body.data
        const before =
          body.type === EventType.entityUpdated
            ? this.db.select().from(e).where(eq(e.id, entity_id)).get()
            : undefined
        const fieldSources = { ...before?.fieldSources }
        for (const path of changedFields(before?.definition, definition)) fieldSources[path] = actor
        const values = {
          kind: definition.kind,
          name: definition.name,
          teamId: definition.team_id,
          hostname: definition.kind === 'server' ? definition.attributes.hostname : null,
          instanceId: definition.kind === 'server' ? (definition.attributes.instance_id ?? null) : null,
          definition,
          restricted: definition.restricted,
          updatedAt: event.time,
          updatedBy: actor,
          fieldSources,
        }
        this.db
          .insert(e)
          .values({
            id: entity_id,
            ...values,
            active: true,
            version: 1,
            createdAt: event.time,
            createdBy: actor,
          })
          .onConflictDoUpdate({ target: e.id, set: { ...values, version: sql`${e.version} + 1` } })
          .run()
        this.db.delete(store.inventoryAddresses).where(eq(store.inventoryAddresses.entityId, entity_id)).run()
        const addresses = serverAddresses(definition)
        if (addresses.length > 0)
          this.db
            .insert(store.inventoryAddresses)
            .values(addresses.map((address) => ({ entityId: entity_id, address })))
            .run()
        return
      }
      case EventType.entityDeactivated:
      case EventType.entityRestored:
        this.db
          .update(e)
          .set({
            active: body.type === EventType.entityRestored,
            updatedAt: event.time,
            updatedBy: actor,
            version: sql`${e.version} + 1`,
          })
          .where(eq(e.id, body.data.entity_id))
          .run()
        return
      case EventType.entityMarkedStale:
        // The event's last sighting counts: a source still connected when it last reported saw it until it left.
        this.db
          .update(e)
          .set({ stale: true, lastSeenAt: body.data.last_seen_at })
          .where(eq(e.id, body.data.entity_id))
          .run()
        return
      case EventType.discoveryObserved:
        this.observe(body.data, event.time)
        return
      case EventType.discoverySettingsSet: {
        const values = {
          staleAfterDays: body.data.settings.stale_after_days,
          inactiveAfterDays: body.data.settings.inactive_after_days,
        }
        this.db
          .insert(store.inventoryDiscoverySettings)
          .values({ site: 'site', ...values })
          .onConflictDoUpdate({ target: store.inventoryDiscoverySettings.site, set: values })
          .run()
        return
      }
      case EventType.relationAdded: {
        const d = body.data
        this.db
          .insert(r)
          .values({
            id: d.relation_id,
            type: d.type,
            fromId: d.from_id,
            fromKind: d.from_kind,
            toId: d.to_id,
            toKind: d.to_kind,
            toSiteId: d.to_site_id,
            createdAt: event.time,
            createdBy: actor,
          })
          .run()
        return
      }
      case EventType.relationRemoved:
        this.db.delete(r).where(eq(r.id, body.data.relation_id)).run()
        return
      case EventType.entityGranted: {
        const d = body.data
        this.db
          .insert(g)
          .values({
            id: d.grant_id,
            entityId: d.entity_id,
            subjectType: d.subject.type,
            subjectId: d.subject.id,
            level: d.level,
            createdAt: event.time,
            createdBy: actor,
          })
          .onConflictDoUpdate({ target: g.id, set: { level: d.level } })
          .run()
        return
      }
      case EventType.entityGrantRevoked:
        this.db.delete(g).where(eq(g.id, body.data.grant_id)).run()
        return
      case EventType.customFieldDefined: {
        const { field } = body.data
        this.db
          .insert(store.inventoryCustomFields)
          .values({ kind: field.kind, name: field.name, definition: field })
          .onConflictDoUpdate({
            target: [store.inventoryCustomFields.kind, store.inventoryCustomFields.name],
            set: { definition: field },
          })
          .run()
        return
      }
      case EventType.customFieldRemoved:
        this.db
          .delete(store.inventoryCustomFields)
          .where(
            and(
              eq(store.inventoryCustomFields.kind, body.data.kind),
              eq(store.inventoryCustomFields.name, body.data.name),
            ),
          )
          .run()
        return
      case EventType.optionListSet:
        this.db
          .insert(store.inventoryOptionLists)
          .values({ list: body.data.list, values: body.data.values })
          .onConflictDoUpdate({ target: store.inventoryOptionLists.list, set: { values: body.data.values } })
          .run()
        return
    }
  }

  /** A source's look: what it saw is present and fresh (and no longer stale), what it missed is not present. */
  private observe(data: DiscoveryObserved, time: string) {
    const { source, scope } = data
    for (const { entity_id, key } of data.seen) {
      this.db
        .insert(s)
        .values({ source, key, scope, entityId: entity_id, present: true, lastSeenAt: time })
        .onConflictDoUpdate({
          target: [s.source, s.key],
          set: { scope, entityId: entity_id, present: true, lastSeenAt: time },
        })
        .run()
    }
    const seenIds = [...new Set(data.seen.map((seen) => seen.entity_id))]
    for (const ids of chunks(seenIds))
      this.db.update(e).set({ lastSeenAt: time, stale: false }).where(inArray(e.id, ids)).run()
    for (const ids of chunks(data.missing))
      this.db
        .update(s)
        .set({ present: false })
        .where(and(eq(s.source, source), eq(s.scope, scope), inArray(s.entityId, ids)))
        .run()
  }
}
