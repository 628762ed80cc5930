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
