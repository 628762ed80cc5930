import { and, asc, count, desc, type SQL, sql } from 'drizzle-orm'
import type { EntityReportQuery } from '../../schema/api/inventory-reports'
import { inventoryEntities as e } from '../../schema/db/projections'
import type { Principal } from '../access/principal'
import type { ProjectionsDb } from '../projections/database'
import {
  activeSql,
  BOOLEAN_FIELDS,
  fieldSql,
  filterSql,
  readableEntities,
  relatedSql,
  taggedSql,
} from './report-sql'

/** One report row: each column's value. */
export type ReportRow = Record<string, unknown>

const JSON_FIELDS = new Set(['tags'])

/** Every condition of a single-kind report: the caller's reach, then the query's filters. */
const conditions = (principal: Principal, query: EntityReportQuery): SQL | undefined =>
  and(
    readableEntities(principal),
    sql`${e.kind} = ${query.kind}`,
    query.site_id ? sql`${e.siteId} = ${query.site_id}` : undefined,
    activeSql(query.active),
    ...query.filter.map(filterSql),
    ...query.tag.map(taggedSql),
    ...query.related.map(relatedSql),
  )

const order = (sort: string | undefined) => {
  const field = sort?.replace(/^-/, '') ?? 'name'
  const expression = fieldSql(field)
  // The id breaks ties, so that pages of a stream never overlap.
  return sort?.startsWith('-') ? [desc(expression), desc(e.id)] : [asc(expression), asc(e.id)]
}

const cellValue = (column: string, raw: unknown) => {
  if (raw === null || raw === undefined) return null
  if (JSON_FIELDS.has(column) && typeof raw === 'string') return JSON.parse(raw) as unknown
  if (BOOLEAN_FIELDS.has(column)) return Boolean(raw)
  return raw
}

/** One page of a report's rows, in its order. */
export const reportRows = async (
  db: ProjectionsDb,
  principal: Principal,
  query: EntityReportQuery,
  offset: number,
  limit: number,
): Promise<ReportRow[]> => {
  const selection = Object.fromEntries(query.columns.map((column, i) => [`c${i}`, fieldSql(column)]))
  const rows = (await db
    .select(selection)
    .from(e)
    .where(conditions(principal, query))
    .orderBy(...order(query.sort))
    .limit(limit)
    .offset(offset)) as Record<string, unknown>[]
  return rows.map((row) =>
    Object.fromEntries(query.columns.map((column, i) => [column, cellValue(column, row[`c${i}`])])),
  )
}

/** How many entities the report matches. */
export const reportTotal = async (db: ProjectionsDb, principal: Principal, query: EntityReportQuery) =>
  (await db.select({ total: count() }).from(e).where(conditions(principal, query)))[0]?.total ?? 0

/** Counts of the matching entities per value of a field, most first. */
export const reportGroups = async (
  db: ProjectionsDb,
  principal: Principal,
  query: EntityReportQuery & { group_by: string },
) => {
  const field = fieldSql(query.group_by)
  const rows = await db
    .select({ value: field, count: count() })
    .from(e)
    .where(conditions(principal, query))
    .groupBy(field)
    .orderBy(desc(count()), asc(field))
  return rows.map((row) => ({ value: cellValue(query.group_by, row.value), count: row.count }))
}
