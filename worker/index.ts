import { app } from './app'
import type { Env } from './env'
import { setLogLevel } from './lib/log'

export { DirectoryObject } from './directory/directory'
export { SiteObject } from './site-object/site-object'
export { TenantObject } from './tenant/tenant'

export default {
  fetch: (request, env, ctx) => {
    setLogLevel(env.LOG_LEVEL)
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
