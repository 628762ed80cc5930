import { SCOPES } from '../../schema/api/access'
import type { Principal } from '../access/principal'
import type { ApiKeyRow } from './api-key-store'
import type { GrantStore } from './grant-store'

/** What an API key may do: its own role and scopes, on the tenant or on its one site. */
export const keyPrincipal = (tenantId: string, key: ApiKeyRow): Principal => ({
  tenantId,
  actor: { type: 'key', id: key.id },
  scopes: key.scopes,
  siteRestriction: key.siteId,
  tenantRole: key.siteId ? null : key.role,
  siteRoles: key.siteId ? { [key.siteId]: key.role } : {},
  teams: [],
  sessionId: null,
})

/** What a user may do: the roles granted to them and their teams, as they are now. */
export const userPrincipal = (
  tenantId: string,
  userId: string,
  grants: GrantStore,
  sessionId: string | null,
): Principal => ({
  tenantId,
  actor: { type: 'user', id: userId },
  scopes: SCOPES,
  siteRestriction: null,
  ...grants.rolesOf(userId),
  sessionId,
})
