import type { Context } from 'hono'
import * as v from 'valibot'
import { Ulid } from '../../schema/common'
import { roleOn } from '../access/principal'
import { callerSite, type SitePath } from '../http/caller-objects'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'
import type { InventoryCaller } from '../inventory/entity-access'

export const EntityParam = v.object({ siteId: Ulid, entityId: Ulid })
export const INVENTORY_TAG = 'Inventory'
export const WRITE_ERRORS = { 409: 'The site is archived', 415: 'Body is not JSON' }
export const ACCESS =
  'A site admin may do anything to every entity. Otherwise the site role gives read (viewer) or write ' +
  '(operator) on entities that are not `restricted`, and grants on an entity to the user or their teams ' +
  'give read, write or admin on it; an entity the caller may not read answers 404.'

/** Who calls, for the entity-level checks the site makes: their role on the site, user and teams. */
export const inventoryCaller = <I extends SitePath>(c: Context<AppEnv, string, I>): InventoryCaller => {
  const { principal } = c.var
  const siteRole = roleOn(principal, c.req.valid('param').siteId)
  if (siteRole === null) throw apiError(404, 'not_found', 'site not found')
  return {
    userId: principal.actor.type === 'user' ? principal.actor.id : null,
    teams: principal.teams,
    siteRole,
  }
}

/** The inventory of the path's site, as the caller sees it. */
export const inventoryOf = <I extends SitePath>(c: Context<AppEnv, string, I>) => callerSite(c).inventory
