import { and, asc, eq, gt, inArray, or, type SQL, sql } from 'drizzle-orm'
import * as store from '../../schema/db/site-store'
import type { EntityKind } from '../../schema/inventory/kinds'
import type { SiteDatabase } from '../site/feature'
import type { EntityRow, RelationRow } from './inventory-book'

/** Which entities a list shows: every one, or the open ones and those granted to these subjects. */
export type Visibility = 'all' | { userId: string | null; teams: readonly string[] }

export interface EntityFilter {
  kind?: EntityKind
  active: 'true' | 'false' | 'all'
  tag?: string
  q?: string
}

const e = store.inventoryEntities
const r = store.inventoryRelations
const g = store.inventoryGrants

/** Pages of the site's entities and relations, filtered, showing only what the caller may read. */
export class InventoryLists {
  constructor(private readonly db: SiteDatabase) {}

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
