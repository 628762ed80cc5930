import type { Caller } from './auth/caller'
import type { Env } from './env'

/** The Site object of one site: one per site, found by its id. */
export const siteOf = (env: Env, siteId: string) => env.SITE.get(env.SITE.idFromName(siteId))

/** The Tenant object of one tenant. */
export const tenantOf = (env: Env, tenantId: string) => env.TENANT.get(env.TENANT.idFromName(tenantId))

/** The single Directory object. */
export const directoryOf = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName('directory'))

/** One caller's session with a site: `siteFor(env, siteId, caller).runs.get(runId)`. */
export const siteFor = (env: Env, siteId: string, caller: Caller) => siteOf(env, siteId).open(caller)
