import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import type Database from 'libsql'
import type { PivotQuery } from '../../schema/api/inventory-reports'
import { keyPrincipal } from '../../test/principals'
import { type LevelRow, pivotPlan, pivotSql, pivotTree } from '../../worker/inventory/pivot-report'

/**
 * The SQL the API's report runs (worker/inventory/entity-report.ts), as drizzle renders it for a
 * tenant admin, run directly on the projection's SQLite file.
 */
const REPORT_ROWS = `
  select "name", "site_id", json_extract("attributes", '$.environment') from "inventory_entities"
  where ("inventory_entities"."tenant_id" = ? and "inventory_entities"."kind" = 'server'
    and "inventory_entities"."active" = 1
    and json_extract("attributes", '$.environment') = 'prod' and "name" like '%7%' escape '\\')
  order by "name" desc, "id" desc limit 100 offset 0`
const REPORT_TOTAL = `
  select count(*) from "inventory_entities"
  where ("inventory_entities"."tenant_id" = ? and "inventory_entities"."kind" = 'server'
    and "inventory_entities"."active" = 1
    and json_extract("attributes", '$.environment') = 'prod' and "name" like '%7%' escape '\\')`

/** The filtered report: its page of rows and its total, as the API answers both. */
export const directReport = (db: Database.Database, tenantId: string) => {
  db.prepare(REPORT_ROWS).all(tenantId)
  db.prepare(REPORT_TOTAL).all(tenantId)
}

/**
 * A pivot for the tenant's admin through the API's own statement and tree (worker/inventory/pivot-report.ts), rendered
 * by drizzle's SQLite dialect and run on the file: the same SQL, without the request around it.
 * Answers the count of each level's entities.
 */
export const directPivot = (db: Database.Database, tenantId: string, query: PivotQuery) => {
  const plan = pivotPlan(query)
  const statement = new SQLiteSyncDialect().sqlToQuery(pivotSql(keyPrincipal(tenantId), plan))
  const rows = db.prepare(statement.sql).all(...statement.params) as LevelRow[]
  return { counts: pivotTree(plan, rows).counts }
}
