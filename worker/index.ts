import { app } from './app'
import type { Env } from './env'

export { DirectoryObject } from './directory/directory'
export { SiteObject } from './site/site'

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>
