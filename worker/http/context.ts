import type { Principal } from '../access/principal'
import type { Caller } from '../auth/caller'
import type { Env } from '../env'
import type { IdempotencyClaim } from '../lib/idempotency'

/** What middleware puts on the context, typed once for every route. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    requestId: string
    caller: Caller
    principal: Principal
    idempotency: IdempotencyClaim | undefined
    siteId: string | undefined
  }
}
