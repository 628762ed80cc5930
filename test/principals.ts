import type { Principal } from '../worker/access/principal'

/** An API key's principal as its Tenant object resolves one: the tenant's admin, unless `changes` say otherwise. */
export const keyPrincipal = (tenantId: string, changes: Partial<Principal> = {}): Principal => ({
  tenantId,
  actor: { type: 'key', id: 'test' },
  scopes: [],
  siteRestriction: null,
  tenantRole: 'admin',
  siteRoles: {},
  teams: [],
  sessionId: null,
  ...changes,
})
