import { and, eq, inArray, or, type SQL, sql } from 'drizzle-orm'
import type { ReportFilter } from '../../schema/api/inventory-reports'
import {
  inventoryEntities as e,
  inventoryGrants as g,
  inventoryRelations as r,
} from '../../schema/db/projections'
import { type Principal, roleOn, visibleSites } from '../access/principal'

const COLUMNS = {
  id: e.id,
  site_id: e.siteId,
  kind: e.kind,
  name: e.name,
  team_id: e.teamId,
  active: e.active,
  restricted: e.restricted,
  stale: e.stale,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
  last_seen_at: e.lastSeenAt,
  tags: e.tags,
} as const

/** Fields stored as 0 or 1 that a report answers as booleans. */
export const BOOLEAN_FIELDS = new Set(['active', 'restricted', 'stale'])

/** The SQL that reads a report field of the projected entity row. */
export const fieldSql = (field: string): SQL => {
  const column = COLUMNS[field as keyof typeof COLUMNS]
  if (column) return sql`${column}`
  const [root, ...path] = field.split('.')
  const json = root === 'attributes' ? e.attributes : e.customFields
  return sql`json_extract(${json}, ${`$.${path.join('.')}`})`
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&')

/** One filter as a condition: contains (case-insensitive; a tag for `tags`), equals, after, before. */
export const filterSql = ({ field, op, value }: ReportFilter): SQL => {
  if (field === 'tags')
    return op === 'contains'
      ? sql`exists (select 1 from json_each(${e.tags}) where value like ${`%${escapeLike(value)}%`} escape '\\')`
      : sql`exists (select 1 from json_each(${e.tags}) where value = ${value})`
  const column = fieldSql(field)
  switch (op) {
    case 'contains':
      return sql`${column} like ${`%${escapeLike(value)}%`} escape '\\'`
    case 'equals':
      return BOOLEAN_FIELDS.has(field)
        ? sql`${column} = ${value === 'true' ? 1 : 0}`
        : sql`${column} = ${value}`
    case 'after':
      return sql`${column} > ${value}`
    case 'before':
      return sql`${column} < ${value}`
  }
}

export const activeSql = (active: 'true' | 'false' | 'all') =>
  active === 'all' ? undefined : eq(e.active, active === 'true')

export const taggedSql = (tag: string) =>
  sql`exists (select 1 from json_each(${e.tags}) where value = ${tag})`

/** Entities with a live relation of this type, from or to them. */
export const relatedSql = (type: string) =>
  sql`exists (select 1 from ${r} where ${r.removed} = 0 and ${r.type} = ${type} and (${r.fromId} = ${e.id} or ${r.toId} = ${e.id}))`

/**
 * The projected entities a principal may read: its tenant's, in the sites it sees; in a site it
 * administers every one, elsewhere those not restricted and those granted to the user or a team.
 */
export const readableEntities = (principal: Principal): SQL | undefined => {
  const sites = visibleSites(principal)
  const adminSites =
    sites === 'all'
      ? principal.tenantRole === 'admin'
        ? 'all'
        : Object.keys(principal.siteRoles).filter((site) => roleOn(principal, site) === 'admin')
      : sites.filter((site) => roleOn(principal, site) === 'admin')
  const subjects = [
    ...(principal.actor.type === 'user'
      ? [and(eq(g.subjectType, 'user'), eq(g.subjectId, principal.actor.id))]
      : []),
    ...(principal.teams.length > 0
      ? [and(eq(g.subjectType, 'team'), inArray(g.subjectId, [...principal.teams]))]
      : []),
  ]
  return and(
    eq(e.tenantId, principal.tenantId),
    sites === 'all' ? undefined : inArray(e.siteId, sites),
    adminSites === 'all'
      ? undefined
      : or(
          adminSites.length > 0 ? inArray(e.siteId, adminSites) : undefined,
          eq(e.restricted, false),
          subjects.length > 0
            ? sql`${e.id} in (select ${g.entityId} from ${g} where ${g.revoked} = 0 and ${or(...subjects)})`
            : undefined,
        ),
  )
}
