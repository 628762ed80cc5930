import type { Caller } from '../auth/caller'
import type { KeyPrincipal } from '../directory/directory'
import type { Env } from '../env'
import type { IdempotencyClaim } from '../lib/idempotency'

/** What middleware puts on the context, typed once for every route. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    requestId: string
    caller: Caller
    principal: KeyPrincipal
    idempotency: IdempotencyClaim | undefined
    siteId: string | undefined
  }
}
