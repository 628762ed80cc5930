import { eq } from 'drizzle-orm'
import type {
  BaseSQLiteDatabase,
  SQLiteColumn,
  SQLiteTable,
  SQLiteUpdateSetSource,
} from 'drizzle-orm/sqlite-core'

/** Changes row `id` of one of an object's own tables, inside the transaction under way. */
export const updateRow = <T extends SQLiteTable & { id: SQLiteColumn }>(
  db: Pick<BaseSQLiteDatabase<'sync', unknown>, 'update'>,
  table: T,
  id: string,
  changes: SQLiteUpdateSetSource<T>,
) => {
  db.update(table).set(changes).where(eq(table.id, id)).run()
}
