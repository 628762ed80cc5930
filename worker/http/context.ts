import type { Context } from 'hono'
import type { Principal } from '../access/principal'
import type { Caller, WriteContext } from '../auth/caller'
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
    /** Set when the object that answered a write audited it itself. */
    auditedByObject: boolean | undefined
  }
}

/** What an object needs to make a write: who calls, and the request's Idempotency-Key. */
export const writeOf = (c: Context<AppEnv>): WriteContext => ({
  caller: c.var.caller,
  idempotency: c.var.idempotency,
})
