import type { Role } from '../../schema/api/access'
import { ENTITY_LEVELS, type EntityLevel } from '../../schema/inventory/access'
import { apiError } from '../http/errors'
import type { GrantRow } from './inventory-book'
import type { Visibility } from './inventory-lists'

/**
 * Who reaches a site's inventory, as the Worker resolved it: the user and teams grants are
 * made to, and the role on the site.
 */
export interface InventoryCaller {
  userId: string | null
  teams: readonly string[]
  siteRole: Role
}

/** What each site role gives on an entity that is not restricted. */
const SITE_LEVEL: Record<Role, EntityLevel> = { viewer: 'read', operator: 'write', admin: 'admin' }

const rank = (level: EntityLevel | null) => (level ? ENTITY_LEVELS.indexOf(level) + 1 : 0)

export const levelAtLeast = (level: EntityLevel | null, needed: EntityLevel) => rank(level) >= rank(needed)

/**
 * The caller's level on an entity: a site admin's is admin; otherwise the strongest of the site
 * role's level (unless the entity is restricted) and the grants on it to the user or their teams.
 * Null when the caller may not read it.
 */
export const levelOn = (
  caller: InventoryCaller,
  entity: { restricted: boolean },
  grants: readonly GrantRow[],
): EntityLevel | null => {
  if (caller.siteRole === 'admin') return 'admin'
  const granted = grants
    .filter((grant) =>
      grant.subjectType === 'user'
        ? grant.subjectId === caller.userId
        : caller.teams.includes(grant.subjectId),
    )
    .map((grant) => grant.level)
  const levels = entity.restricted ? granted : [SITE_LEVEL[caller.siteRole], ...granted]
  return levels.reduce<EntityLevel | null>((best, level) => (rank(level) > rank(best) ? level : best), null)
}

/** Which entities a list shows the caller. */
export const visibilityOf = (caller: InventoryCaller): Visibility =>
  caller.siteRole === 'admin' ? 'all' : { userId: caller.userId, teams: caller.teams }

/** Refuses a level short of `needed`: 404 when the caller may not even read the entity, 403 otherwise. */
export const requireLevel = (level: EntityLevel | null, needed: EntityLevel) => {
  if (level === null) throw apiError(404, 'not_found', 'entity not found')
  if (!levelAtLeast(level, needed))
    throw apiError(403, 'forbidden', `this needs the ${needed} level on the entity`)
}
