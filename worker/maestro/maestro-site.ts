import type { Context, MiddlewareHandler } from 'hono'
import * as v from 'valibot'
import type { Role } from '../../schema/api/access'
import { Ulid } from '../../schema/common'
import { atLeast, type Principal, roleOn } from '../access/principal'
import type { AppEnv } from '../http/context'
import { apiError } from '../http/errors'

/** The header that names the site of a maestro call, for keys that may see several. */
export const SITE_HEADER = 'x-sitewire-site'

/**
 * The site a maestro call is about. Maestro knows no sites, so: the one site an API key is
 * restricted to; else the site the `X-Sitewire-Site` header names; else the one site the
 * caller has a role on, when there is exactly one. Anything else is a 400 that says so.
 */
export const maestroSiteOf = (principal: Principal, header: string | undefined): string => {
  if (principal.siteRestriction) return principal.siteRestriction
  if (header !== undefined) {
    if (!v.is(Ulid, header))
      throw apiError(400, 'invalid_site_header', `${SITE_HEADER} must be a site id (a ULID)`)
    return header
  }
  const granted = Object.keys(principal.siteRoles)
  if (principal.tenantRole === null && granted.length === 1) return granted[0] as string
  throw apiError(
    400,
    'site_required',
    `name the site: send ${SITE_HEADER}: <site id>, or use an API key restricted to one site`,
  )
}

/** Chooses the call's site and lets it through when the caller's role there is at least `needed`. */
export const maestroSite = (needed: Role): MiddlewareHandler<AppEnv> =>
  async function maestroSite(c, next) {
    const siteId = maestroSiteOf(c.var.principal, c.req.header(SITE_HEADER))
    const role = roleOn(c.var.principal, siteId)
    if (role === null) throw apiError(404, 'not_found', 'site not found')
    if (!atLeast(role, needed)) throw apiError(403, 'forbidden', `this needs the ${needed} role`)
    c.set('siteId', siteId)
    await next()
  }

/** The site `maestroSite` chose. */
export const siteIdOf = (c: Context<AppEnv>): string => {
  const siteId = c.var.siteId
  if (siteId === undefined) throw new Error('maestroSite did not run')
  return siteId
}
