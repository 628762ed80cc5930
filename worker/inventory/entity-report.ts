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

const sortOf = (sort: string | undefined) => ({
  expression: fieldSql(sort?.replace(/^-/, '') ?? 'name'),
  descending: sort?.startsWith('-') ?? false,
})

const order = (sort: string | undefined) => {
  const { expression, descending } = sortOf(sort)
  // The id breaks ties, so that pages of a stream never overlap.
  return descending ? [desc(expression), desc(e.id)] : [asc(expression), asc(e.id)]
}

/** The last row of a page: its sort value and id, where the next page starts. */
interface PageEnd {
  value: unknown
  id: string
}

/**
 * The rows after `end` in the report's order. SQLite orders nulls first, so ascending they come
 * before every value and descending after; a row value `(field, id)` compares what is not null,
 * and lets an index on the sort field serve the range.
 */
const afterSql = (sort: string | undefined, end: PageEnd): SQL => {
  const { expression, descending } = sortOf(sort)
  if (end.value === null || end.value === undefined)
    return descending
      ? sql`(${expression} is null and ${e.id} < ${end.id})`
      : sql`(${expression} is not null or ${e.id} > ${end.id})`
  return descending
    ? sql`((${expression}, ${e.id}) < (${end.value}, ${end.id}) or ${expression} is null)`
    : sql`(${expression}, ${e.id}) > (${end.value}, ${end.id})`
}

const cellValue = (column: string, raw: unknown) => {
  if (raw === null || raw === undefined) return null
  if (JSON_FIELDS.has(column) && typeof raw === 'string') return JSON.parse(raw) as unknown
  if (BOOLEAN_FIELDS.has(column)) return Boolean(raw)
  return raw
}

const selectRows = (
  db: ProjectionsDb,
  principal: Principal,
  query: EntityReportQuery,
  page: { offset: number; limit: number; after?: PageEnd },
) => {
  const selection = Object.fromEntries(query.columns.map((column, i) => [`c${i}`, fieldSql(column)]))
  return db
    .select({ ...selection, sortValue: sortOf(query.sort).expression, rowId: e.id })
    .from(e)
    .where(and(conditions(principal, query), page.after && afterSql(query.sort, page.after)))
    .orderBy(...order(query.sort))
    .limit(page.limit)
    .offset(page.offset) as Promise<Record<string, unknown>[]>
}

const toRow = (query: EntityReportQuery) => (row: Record<string, unknown>) =>
  Object.fromEntries(query.columns.map((column, i) => [column, cellValue(column, row[`c${i}`])]))

/** One page of a report's rows, in its order. */
export const reportRows = async (
  db: ProjectionsDb,
  principal: Principal,
  query: EntityReportQuery,
  offset: number,
  limit: number,
): Promise<ReportRow[]> => (await selectRows(db, principal, query, { offset, limit })).map(toRow(query))

/**
 * A report's rows page after page, each page read from just after the last row of the one before
 * rather than at an offset, so a page costs the same however deep into the report it is.
 */
export const reportPages = (
  read: <T>(query: (db: ProjectionsDb) => Promise<T>) => Promise<T>,
  principal: Principal,
  query: EntityReportQuery,
) => {
  let after: PageEnd | undefined
  return async (limit: number): Promise<ReportRow[]> => {
    const rows = await read((db) => selectRows(db, principal, query, { offset: 0, limit, after }))
    const last = rows.at(-1)
    if (last) after = { value: last.sortValue, id: last.rowId as string }
    return rows.map(toRow(query))
  }
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
