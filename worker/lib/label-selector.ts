import { type SQL, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'

/**
 * The SQL condition of a `key=value` label selector on a JSON labels column, or undefined
 * when there is no selector. Keys are validated label keys, so they are safe in the path.
 */
export const labelMatches = (column: SQLiteColumn, selector: string | undefined): SQL | undefined => {
  if (!selector) return undefined
  const [key = '', ...value] = selector.split('=')
  return sql`json_extract(${column}, ${`$."${key}"`}) = ${value.join('=')}`
}
