import { ROLES, type Role, type Scope } from '../../schema/api/access'

/** Who is calling and what they may do, as their tenant's object resolved it for this request. */
export interface Principal {
  tenantId: string
  actor: { type: 'key' | 'user'; id: string }
  scopes: readonly Scope[]
  /** A key restricted to one site sees that site only. */
  siteRestriction: string | null
  /** The role on the whole tenant, if any. */
  tenantRole: Role | null
  /** Roles granted on single sites. */
  siteRoles: Readonly<Record<string, Role>>
  /** The teams a signed-in user belongs to, for grants made to teams; none for an API key. */
  teams: readonly string[]
  /** The browser session a signed-in user calls through; null for an API key. */
  sessionId: string | null
}

const rank = (role: Role | null | undefined) => (role ? ROLES.indexOf(role) + 1 : 0)

export const strongest = (roles: readonly (Role | null | undefined)[]): Role | null =>
  roles.reduce<Role | null>((best, role) => (rank(role) > rank(best) ? (role ?? null) : best), null)

/** The principal's role on a site (or on the tenant when no site is named); null when it may not see it. */
export const roleOn = (principal: Principal, siteId?: string): Role | null => {
  if (siteId === undefined) return principal.siteRestriction ? null : principal.tenantRole
  if (principal.siteRestriction && principal.siteRestriction !== siteId) return null
  return strongest([principal.tenantRole, principal.siteRoles[siteId]])
}

export const atLeast = (role: Role | null, needed: Role) => rank(role) >= rank(needed)

/** Sites the principal may see: all of the tenant's, or a list. */
export const visibleSites = (principal: Principal): 'all' | string[] => {
  if (principal.siteRestriction) return [principal.siteRestriction]
  if (principal.tenantRole) return 'all'
  return Object.keys(principal.siteRoles)
}

/** The label stored as an event's `actor` and in logs, e.g. `key/01J…`. */
export const actorLabel = (principal: Pick<Principal, 'actor'>) =>
  `${principal.actor.type}/${principal.actor.id}`
