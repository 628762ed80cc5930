import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm'
import * as store from '../../schema/db/site-store'
import type { EntityGrantSubject } from '../../schema/inventory/access'
import type { CustomFieldDefinition } from '../../schema/inventory/custom-fields'
import { DEFAULT_STALENESS, type StalenessSettings } from '../../schema/inventory/discovery'
import type { EntityKind } from '../../schema/inventory/kinds'
import type { OptionListName } from '../../schema/inventory/option-lists'
import { chunks } from '../lib/sql-chunks'
import type { SiteDatabase } from '../site/feature'
import type { DuplicateServer, InventoryView, KnownEntity } from './inventory-decider'

export type EntityRow = typeof store.inventoryEntities.$inferSelect
export type RelationRow = typeof store.inventoryRelations.$inferSelect
export type GrantRow = typeof store.inventoryGrants.$inferSelect

export type SightingRow = typeof store.inventorySightings.$inferSelect

const e = store.inventoryEntities
const s = store.inventorySightings
const r = store.inventoryRelations
const g = store.inventoryGrants

/**
 * The site's inventory as its events left it (`InventoryFold` writes it): what the decider
 * reads, and single rows.
 */
export class InventoryBook implements InventoryView {
  constructor(private readonly db: SiteDatabase) {}

  // What the decider reads

  entity(id: string): KnownEntity | undefined {
    const row = this.row(id)
    return (
      row && {
        id: row.id,
        definition: row.definition,
        active: row.active,
        fieldSources: row.fieldSources,
        updatedBy: row.updatedBy,
      }
    )
  }

  /** The site's staleness periods: as an admin set them, or the defaults. */
  stalenessSettings(): StalenessSettings {
    const row = this.db.select().from(store.inventoryDiscoverySettings).get()
    return row
      ? { stale_after_days: row.staleAfterDays, inactive_after_days: row.inactiveAfterDays }
      : DEFAULT_STALENESS
  }

  sighting(key: string): string | undefined {
    return this.db.select({ id: s.entityId }).from(s).where(eq(s.key, key)).orderBy(desc(s.lastSeenAt)).get()
      ?.id
  }

  serverByInstanceId(instanceId: string): string | undefined {
    return this.db
      .select({ id: e.id })
      .from(e)
      .where(and(eq(e.kind, 'server'), eq(e.instanceId, instanceId)))
      .orderBy(asc(e.id))
      .get()?.id
  }

  serverByHostnameAndAddress(hostname: string, addresses: string[]): string | undefined {
    if (addresses.length === 0) return undefined
    return this.db
      .select({ id: e.id })
      .from(store.inventoryAddresses)
      .crossJoin(e)
      .where(
        and(
          eq(e.id, store.inventoryAddresses.entityId),
          eq(e.kind, 'server'),
          eq(e.hostname, hostname),
          inArray(store.inventoryAddresses.address, addresses),
          sql`${store.inventoryAddresses.address} in (select value from json_each(${e.definition}, '$.attributes.private_ipv4'))`,
        ),
      )
      .orderBy(asc(e.id))
      .get()?.id
  }

  entityByName(kind: EntityKind, name: string): string | undefined {
    return this.db
      .select({ id: e.id })
      .from(e)
      .where(and(eq(e.kind, kind), eq(e.name, name)))
      .orderBy(asc(e.id))
      .get()?.id
  }

  sightingsOf(source: string, scope: string): { key: string; entityId: string; present: boolean }[] {
    return this.db
      .select({ key: s.key, entityId: s.entityId, present: s.present })
      .from(s)
      .where(and(eq(s.source, source), eq(s.scope, scope)))
      .all()
  }

  seenByOtherSource(entityId: string, source: string): boolean {
    return (
      this.db
        .select({ id: s.entityId })
        .from(s)
        .where(and(eq(s.entityId, entityId), eq(s.present, true), ne(s.source, source)))
        .get() !== undefined
    )
  }

  /** Every entity some source saw, with its sightings: what staleness is decided from. */
  sighted(): { row: EntityRow; sightings: SightingRow[] }[] {
    const sightings = this.db.select().from(s).orderBy(asc(s.entityId)).all()
    const byEntity = new Map<string, SightingRow[]>()
    for (const sighting of sightings)
      byEntity.set(sighting.entityId, [...(byEntity.get(sighting.entityId) ?? []), sighting])
    const ids = [...byEntity.keys()]
    return chunks(ids).flatMap((batch) =>
      this.db
        .select()
        .from(e)
        .where(inArray(e.id, batch))
        .all()
        .map((row) => ({ row, sightings: byEntity.get(row.id) ?? [] })),
    )
  }

  customFields(kind: EntityKind): CustomFieldDefinition[] {
    return this.db
      .select()
      .from(store.inventoryCustomFields)
      .where(eq(store.inventoryCustomFields.kind, kind))
      .orderBy(asc(store.inventoryCustomFields.name))
      .all()
      .map((row) => row.definition)
  }

  allCustomFields(): CustomFieldDefinition[] {
    return this.db
      .select()
      .from(store.inventoryCustomFields)
      .orderBy(asc(store.inventoryCustomFields.kind), asc(store.inventoryCustomFields.name))
      .all()
      .map((row) => row.definition)
  }

  options(list: OptionListName): string[] {
    return (
      this.db.select().from(store.inventoryOptionLists).where(eq(store.inventoryOptionLists.list, list)).get()
        ?.values ?? []
    )
  }

  duplicates(
    teamId: string | null,
    hostname: string,
    addresses: string[],
    except: string,
  ): DuplicateServer[] {
    const sameTeam = and(
      teamId === null ? sql`${e.teamId} IS NULL` : eq(e.teamId, teamId),
      eq(e.kind, 'server'),
      eq(e.active, true),
      ne(e.id, except),
    )
    const byHostname = this.db
      .select({ id: e.id })
      .from(e)
      .where(and(sameTeam, eq(e.hostname, hostname)))
      .all()
    const byAddress =
      addresses.length === 0
        ? []
        : this.db
            .select({ id: e.id, address: store.inventoryAddresses.address })
            .from(store.inventoryAddresses)
            // From the few rows with these addresses: joined the other way, SQLite walked every server.
            .crossJoin(e)
            .where(
              and(
                eq(e.id, store.inventoryAddresses.entityId),
                sameTeam,
                inArray(store.inventoryAddresses.address, addresses),
              ),
            )
            .all()
    const found = new Map<string, DuplicateServer>()
    const of = (id: string) => {
      const server = found.get(id) ?? { entity_id: id, hostname: false, addresses: [] }
      found.set(id, server)
      return server
    }
    for (const row of byHostname) of(row.id).hostname = true
    for (const row of byAddress) of(row.id).addresses.push(row.address)
    return [...found.values()]
  }

  relation(id: string): RelationRow | undefined {
    return this.db.select().from(r).where(eq(r.id, id)).get()
  }

  hasRelation(fromId: string, type: string, toId: string): boolean {
    return (
      this.db
        .select({ id: r.id })
        .from(r)
        .where(and(eq(r.fromId, fromId), sql`${r.type} = ${type}`, eq(r.toId, toId)))
        .get() !== undefined
    )
  }

  grant(entityId: string, grantId: string): boolean {
    return (
      this.db
        .select({ id: g.id })
        .from(g)
        .where(and(eq(g.id, grantId), eq(g.entityId, entityId)))
        .get() !== undefined
    )
  }

  grantTo(entityId: string, subject: EntityGrantSubject): string | undefined {
    return this.db
      .select({ id: g.id })
      .from(g)
      .where(and(eq(g.entityId, entityId), eq(g.subjectType, subject.type), eq(g.subjectId, subject.id)))
      .get()?.id
  }

  // What queries read

  row(id: string): EntityRow | undefined {
    return this.db.select().from(e).where(eq(e.id, id)).get()
  }

  grants(entityId: string): GrantRow[] {
    return this.db.select().from(g).where(eq(g.entityId, entityId)).orderBy(asc(g.id)).all()
  }
}
