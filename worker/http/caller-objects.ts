import type { Context } from 'hono'
import { siteFor, tenantOf } from '../objects'
import type { AppEnv } from './context'

/** What a site route's validators leave on the request: at least the path's site. */
export interface SitePath {
  out: { param: { siteId: string } }
}

/** The caller's session with the site its validated path names (`/:siteId/…`). */
export const callerSite = <I extends SitePath>(c: Context<AppEnv, string, I>) =>
  siteFor(c.env, c.req.valid('param').siteId, c.var.caller)

/** The Tenant object of the caller's own tenant. */
export const callerTenant = (c: Context<AppEnv>) => tenantOf(c.env, c.var.caller.tenantId)
