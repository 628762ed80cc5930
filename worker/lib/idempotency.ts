import { apiError, type Refusal } from '../http/errors'

/**
 * What a command or query answers when it succeeds: what `Idempotency-Key` replays. A refused
 * one throws its `ApiError` instead, which the object's boundary turns into a `Refusal`.
 */
export interface Reply<T = unknown> {
  status: number
  body: T
  refused?: undefined
}

/** What an object answers across RPC: the reply, or the refusal with its error body. */
export type Answer<T = unknown> = Reply<T> | Refusal

/** A write's `Idempotency-Key`, with a fingerprint of the request it came with. */
export interface IdempotencyClaim {
  key: string
  fingerprint: string
}

const KEEP_MS = 24 * 60 * 60 * 1000
const PRUNE_EVERY_MS = 60 * 60 * 1000

/**
 * First answers to idempotent writes, kept a day in the object's SQLite. Saved in the
 * same transaction as the write's events, so a repeat sees either both or neither.
 */
export class IdempotencyStore {
  #prunedAt = 0

  constructor(private readonly sql: SqlStorage) {}

  /** The stored answer for this key, if the same request made it; a different request is refused. */
  find(claim: IdempotencyClaim | undefined, now: number): Reply | undefined {
    if (!claim) return undefined
    const row = this.sql
      .exec<{ fingerprint: string; status: number; body: string }>(
        'SELECT fingerprint, status, body FROM idempotency WHERE key = ? AND created_at > ?',
        claim.key,
        now - KEEP_MS,
      )
      .toArray()[0]
    if (!row) return undefined
    if (row.fingerprint !== claim.fingerprint) {
      throw apiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request')
    }
    return { status: row.status, body: JSON.parse(row.body) }
  }

  save(claim: IdempotencyClaim | undefined, reply: { status: number; body: unknown }, now: number) {
    if (!claim) return
    if (now - this.#prunedAt > PRUNE_EVERY_MS) {
      this.sql.exec('DELETE FROM idempotency WHERE created_at <= ?', now - KEEP_MS)
      this.#prunedAt = now
    }
    this.sql.exec(
      'INSERT OR REPLACE INTO idempotency (key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?)',
      claim.key,
      claim.fingerprint,
      reply.status,
      JSON.stringify(reply.body),
      now,
    )
  }
}
