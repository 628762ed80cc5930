import type { IdempotencyClaim } from '../lib/idempotency'

/** Who is calling, as the Worker established it; passed into every object call. */
export interface Caller {
  tenantId: string
  actor: { type: 'key' | 'user'; id: string }
  /** The client's address, for the audit trail. */
  address: string | null
}

/** What every write carries besides its input: who asks, and the request's `Idempotency-Key`. */
export interface WriteContext {
  caller: Caller
  idempotency?: IdempotencyClaim
}

/** How the log names who made a change: `key/<id>` or `user/<id>`. */
export const actorOf = (write: WriteContext) => `${write.caller.actor.type}/${write.caller.actor.id}`
