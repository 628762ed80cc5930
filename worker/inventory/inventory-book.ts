import { and, asc, desc, eq, gt, inArray, ne, or, type SQL, sql } from 'drizzle-orm'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { DiscoveryObserved } from '../../schema/events/inventory'
import type { EntityGrantSubject } from '../../schema/inventory/access'
import type { CustomFieldDefinition } from '../../schema/inventory/custom-fields'
import { DEFAULT_STALENESS, type StalenessSettings } from '../../schema/inventory/discovery'
import type { EntityDefinition } from '../../schema/inventory/entity'
import type { EntityKind } from '../../schema/inventory/kinds'
import type { OptionListName } from '../../schema/inventory/option-lists'
import type { SiteDatabase } from '../site/feature'
import { changedFields } from './field-sources'
import type { DuplicateServer, InventoryView, KnownEntity } from './inventory-decider'

export type EntityRow = typeof store.inventoryEntities.$inferSelect
export type RelationRow = typeof store.inventoryRelations.$inferSelect
export type GrantRow = typeof store.inventoryGrants.$inferSelect

/** Which entities a list shows: every one, or the open ones and those granted to these subjects. */
export type Visibility = 'all' | { userId: string | null; teams: readonly string[] }

export interface EntityFilter {
  kind?: EntityKind
  active: 'true' | 'false' | 'all'
  tag?: string
  q?: string
}

export type SightingRow = typeof store.inventorySightings.$inferSelect

const e = store.inventoryEntities
const s = store.inventorySightings
const r = store.inventoryRelations
const g = store.inventoryGrants

/** SQLite takes a bounded number of bound values per statement. */
const chunks = <T>(items: readonly T[], size = 500): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

const serverAddresses = (definition: EntityDefinition) =>
  definition.kind === 'server'
    ? [...new Set([...definition.attributes.private_ipv4, ...definition.attributes.public_ipv4])]
    : []

/** The site's inventory as its events left it; `apply` runs inside the commit. */
export class InventoryBook implements InventoryView {
  constructor(private readonly db: SiteDatabase) {}

  apply(event: LoggedEvent) {
    const body = { type: event.type, data: event.data } as SitewireEventBody
    const actor = String(event.actor ?? 'unknown')
    switch (body.type) {
      case EventType.entityCreated:
      case EventType.entityUpdated: {
        const { entity_id, definition } = body.data
        const before = body.type === EventType.entityUpdated ? this.row(entity_id) : undefined
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

  /** Entities in id order after `cursor`, as many as `limit + 1`, that pass the filter and the caller may read. */
  entities(
    filter: EntityFilter,
    visibility: Visibility,
    limit: number,
    cursor: string | undefined,
  ): EntityRow[] {
    return this.db
      .select()
      .from(e)
      .where(
        and(
          filter.kind ? eq(e.kind, filter.kind) : undefined,
          filter.active === 'all' ? undefined : eq(e.active, filter.active === 'true'),
          filter.tag
            ? sql`exists (select 1 from json_each(${e.definition}, '$.tags') where value = ${filter.tag})`
            : undefined,
          filter.q
            ? sql`${e.name} like ${`%${filter.q.replace(/[\\%_]/g, '\\$&')}%`} escape '\\'`
            : undefined,
          this.readable(visibility),
          cursor === undefined ? undefined : gt(e.id, cursor),
        ),
      )
      .orderBy(asc(e.id))
      .limit(limit + 1)
      .all()
  }

  /** Relations from or to an entity (or every one), in id order, whose source the caller may read. */
  relations(
    filter: { entityId?: string; type?: string },
    visibility: Visibility,
    limit: number,
    cursor: string | undefined,
  ): RelationRow[] {
    const readable = this.readable(visibility)
    return this.db
      .select()
      .from(r)
      .where(
        and(
          filter.entityId ? or(eq(r.fromId, filter.entityId), eq(r.toId, filter.entityId)) : undefined,
          filter.type ? sql`${r.type} = ${filter.type}` : undefined,
          readable ? sql`${r.fromId} in (select ${e.id} from ${e} where ${readable})` : undefined,
          cursor === undefined ? undefined : gt(r.id, cursor),
        ),
      )
      .orderBy(asc(r.id))
      .limit(limit + 1)
      .all()
  }

  private readable(visibility: Visibility): SQL | undefined {
    if (visibility === 'all') return undefined
    const subjects = [
      ...(visibility.userId ? [and(eq(g.subjectType, 'user'), eq(g.subjectId, visibility.userId))] : []),
      ...(visibility.teams.length > 0
        ? [and(eq(g.subjectType, 'team'), inArray(g.subjectId, [...visibility.teams]))]
        : []),
    ]
    if (subjects.length === 0) return eq(e.restricted, false)
    return or(
      eq(e.restricted, false),
      sql`${e.id} in (select ${g.entityId} from ${g} where ${or(...subjects)})`,
    )
  }
}
