import { type SQL, sql } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'

/**
 * `label=a=1,b=2` as conditions on a JSON column of labels: each named label must hold that
 * value. The key is quoted in the JSON path so that dots and dashes in label names are kept.
 */
export const labelConditions = (column: SQLiteColumn, filter: string | undefined): SQL[] =>
  (filter ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=')
      const path = `$."${pair.slice(0, at).replaceAll('"', '')}"`
      return sql`json_extract(${column}, ${path}) = ${pair.slice(at + 1)}`
    })
