import type { Env as SitewireEnv } from '../worker/env'

declare global {
  namespace Cloudflare {
    /** `env` from cloudflare:test has the Worker's bindings. */
    interface Env extends SitewireEnv {}
  }
}
