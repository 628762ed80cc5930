import type { AuditRecord } from '../../schema/api/access'
import { ApiError, refusal } from '../http/errors'
import type { Answer, IdempotencyClaim, IdempotencyStore, Reply } from '../lib/idempotency'
import type { AuditTrail } from './audit-trail'

/** Who a change is recorded against: a caller's write, or an anonymous attempt such as a sign-in. */
export interface AuditedWrite {
  caller: { actor: AuditRecord['actor']; address: string | null }
  idempotency?: IdempotencyClaim | undefined
}

/** What a change answers, and what its audit record says about it. */
export type Change<T> = Answer<T> & {
  objectId: string | null
  details: Record<string, unknown> | null
  /** The actor to record when the change itself establishes who it is, as a sign-in does. */
  actor?: AuditRecord['actor']
  /**
   * What a repeat of the request answers, when the first answer holds a secret: secrets are
   * shown once and never stored, not even for Idempotency-Key replays.
   */
  replay?: unknown
}

/**
 * Runs a tenant's changes of access: replays a repeated Idempotency-Key, or applies the
 * change and writes its audit record and its answer in one transaction. A refused change
 * leaves nothing but its own audit record. `apply` is synchronous: anything slow, such as
 * hashing, happens before.
 */
export class Commands {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly auditTrail: AuditTrail,
    private readonly idempotency: IdempotencyStore,
  ) {}

  run<T>(write: AuditedWrite, action: string, objectType: string, apply: () => Change<T>): Answer<T> {
    const now = Date.now()
    const audit = (
      status: number,
      objectId: string | null,
      details: Record<string, unknown> | null,
      actor = write.caller.actor,
    ) =>
      this.auditTrail.record(
        {
          actor,
          action,
          object: { type: objectType, id: objectId },
          site_id: null,
          address: write.caller.address,
          status,
          details,
        },
        now,
      )
    try {
      const replay = this.idempotency.find(write.idempotency, now)
      if (replay) return replay as Reply<T>
      return this.storage.transactionSync(() => {
        const { objectId, details, actor, replay: replayBody, ...reply } = apply()
        audit(reply.status, objectId, details, actor)
        this.idempotency.save(
          write.idempotency,
          replayBody === undefined ? reply : { status: reply.status, body: replayBody },
          now,
        )
        return reply
      })
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      audit(error.status, null, { code: error.code })
      return refusal(error)
    }
  }
}
