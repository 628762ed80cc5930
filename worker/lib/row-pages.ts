import { and, asc, eq, gt, isNull, type SQL } from 'drizzle-orm'
import type { BaseSQLiteDatabase, SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'

/** One of an object's own tables, keyed by a sortable `id` (a ULID). */
type IdTable = SQLiteTable & { id: SQLiteColumn }
/** One whose rows are marked deleted rather than removed. */
type SoftDeletedTable = IdTable & { deletedAt: SQLiteColumn }
type Reader = Pick<BaseSQLiteDatabase<'sync', unknown>, 'select'>

/** Rows oldest first, after `cursor`, that match `where`: `limit + 1` of them, so a page knows whether more follow. */
export const pageAfter = <T extends IdTable>(
  db: Reader,
  table: T,
  limit: number,
  cursor: string | undefined,
  where?: SQL,
) =>
  db
    .select()
    .from(table)
    .where(and(where, cursor ? gt(table.id, cursor) : undefined))
    .orderBy(asc(table.id))
    .limit(limit + 1)
    .all() as T['$inferSelect'][]

/** Rows not deleted, a page of them as `pageAfter` reads it. */
export const livePage = <T extends SoftDeletedTable>(
  db: Reader,
  table: T,
  limit: number,
  cursor: string | undefined,
) => pageAfter(db, table, limit, cursor, isNull(table.deletedAt))

/** Row `id`, unless it was deleted. */
export const liveRow = <T extends SoftDeletedTable>(db: Reader, table: T, id: string) =>
  db
    .select()
    .from(table)
    .where(and(eq(table.id, id), isNull(table.deletedAt)))
    .get() as T['$inferSelect'] | undefined
