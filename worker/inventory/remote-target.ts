import { and, eq } from 'drizzle-orm'
import { inventoryEntities as e } from '../../schema/db/projections'
import type { Principal } from '../access/principal'
import type { ProjectionsDb } from '../projections/database'
import type { RemoteTarget } from './inventory-decider'
import { readableEntities } from './report-sql'

/**
 * A relation's target in another site, as the tenant-wide projection knows it: there, active,
 * and readable by the caller. The projection follows each site's log a moment behind, so an
 * entity created or deactivated there a moment ago may not be seen so yet.
 */
export const remoteTarget = async (
  db: ProjectionsDb,
  principal: Principal,
  siteId: string,
  entityId: string,
): Promise<RemoteTarget | undefined> => {
  const row = (
    await db
      .select({ kind: e.kind, site_id: e.siteId })
      .from(e)
      .where(and(readableEntities(principal), eq(e.id, entityId), eq(e.siteId, siteId), eq(e.active, true)))
      .limit(1)
  )[0]
  return row
}
