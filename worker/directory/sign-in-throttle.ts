import { and, eq, inArray, isNull, lte, or } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/directory-store'

/** Failed attempts allowed within the window before each further one waits for a lock. */
const FAILURES_BEFORE_LOCK = 5
/** Failures are forgotten this long after the first one, or after the last lock ended. */
export const FAILURE_WINDOW_MS = 15 * 60_000
/** The first lock; each further failure doubles it, up to the longest. */
const FIRST_LOCK_MS = 30_000
const LONGEST_LOCK_MS = 15 * 60_000

/** Failed sign-ins counted against one key: an account or an address. */
export interface Failures {
  failures: number
  firstAt: number
  lockedUntil: number | null
}

const forgotten = (record: Failures, now: number) =>
  now >= Math.max(record.firstAt, record.lockedUntil ?? 0) + FAILURE_WINDOW_MS

/** The lock that follows the `failures`-th failure in a row: 30 s, 1 min, 2 min … 15 min. */
export const lockAfter = (failures: number) =>
  failures < FAILURES_BEFORE_LOCK
    ? 0
    : Math.min(FIRST_LOCK_MS * 2 ** (failures - FAILURES_BEFORE_LOCK), LONGEST_LOCK_MS)

/** Milliseconds until the key may try again; 0 when it may try now. */
export const lockRemaining = (record: Failures | undefined, now: number) =>
  record?.lockedUntil && !forgotten(record, now) ? Math.max(0, record.lockedUntil - now) : 0

/** The count after one more failure at `now`. */
export const afterFailure = (record: Failures | undefined, now: number): Failures => {
  const current = record && !forgotten(record, now) ? record : undefined
  const failures = (current?.failures ?? 0) + 1
  const lock = lockAfter(failures)
  return { failures, firstAt: current?.firstAt ?? now, lockedUntil: lock > 0 ? now + lock : null }
}

/** The keys one attempt counts against: its account, and its address when known. */
export interface AttemptKeys {
  account: string
  address: string | null
}

const keysOf = ({ account, address }: AttemptKeys) =>
  address === null ? [`account:${account}`] : [`account:${account}`, `address:${address}`]

/** How often stale rows are deleted. */
const PRUNE_EVERY_MS = 60 * 60_000

/**
 * Sign-in throttling over the directory's `sign_in_failures` table. Every method is
 * synchronous, so checking a lock and counting a failure can't interleave with another
 * attempt's.
 */
export class SignInThrottle {
  #prunedAt = 0

  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  /** Milliseconds until the attempt may be made; 0 when it may be made now. */
  retryAfter(attempt: AttemptKeys, now: number): number {
    return Math.max(0, ...this.read(keysOf(attempt)).map((record) => lockRemaining(record, now)))
  }

  /**
   * Settles an attempt whose password has been checked: refused (the wait is returned) if
   * a lock began while it was checked; otherwise a failure counts against each key and a
   * success clears the account's count. Answers 0 when the attempt stands.
   */
  settle(attempt: AttemptKeys, succeeded: boolean, now: number): number {
    const wait = this.retryAfter(attempt, now)
    if (wait > 0) return wait
    const keys = keysOf(attempt)
    if (succeeded) {
      this.db
        .delete(store.signInFailures)
        .where(eq(store.signInFailures.key, `account:${attempt.account}`))
        .run()
      return 0
    }
    const existing = new Map(this.read(keys).map((record) => [record.key, record]))
    for (const key of keys) {
      const next = afterFailure(existing.get(key), now)
      const row = {
        key,
        failures: next.failures,
        firstAt: new Date(next.firstAt),
        lockedUntil: next.lockedUntil === null ? null : new Date(next.lockedUntil),
      }
      this.db
        .insert(store.signInFailures)
        .values(row)
        .onConflictDoUpdate({ target: store.signInFailures.key, set: row })
        .run()
    }
    this.prune(now)
    return 0
  }

  private read(keys: string[]) {
    return this.db
      .select()
      .from(store.signInFailures)
      .where(inArray(store.signInFailures.key, keys))
      .all()
      .map((row) => ({
        key: row.key,
        failures: row.failures,
        firstAt: row.firstAt.getTime(),
        lockedUntil: row.lockedUntil?.getTime() ?? null,
      }))
  }

  /** Deletes the counts that would be forgotten anyway. */
  private prune(now: number) {
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return
    this.#prunedAt = now
    const cutoff = new Date(now - FAILURE_WINDOW_MS)
    this.db
      .delete(store.signInFailures)
      .where(
        and(
          lte(store.signInFailures.firstAt, cutoff),
          or(isNull(store.signInFailures.lockedUntil), lte(store.signInFailures.lockedUntil, cutoff)),
        ),
      )
      .run()
  }
}
