import { and, eq, inArray, type SQL } from 'drizzle-orm'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { type Principal, visibleSites } from '../access/principal'

/** The rows of a projection the principal may see: its tenant's, and only its sites' when its grants are per site. */
export const visibleRows = (
  principal: Principal,
  tenantColumn: SQLiteColumn,
  siteColumn: SQLiteColumn,
): SQL | undefined => {
  const visible = visibleSites(principal)
  return and(
    eq(tenantColumn, principal.tenantId),
    visible === 'all' ? undefined : inArray(siteColumn, visible),
  )
}
