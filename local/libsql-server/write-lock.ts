/**
 * Who holds SQLite's write lock, and who waits for it — sqld's "lock-stealing busy handler", done
 * asynchronously. SQLite allows one writer at a time; with the synchronous native binding a blocking
 * busy timeout would freeze the event loop (and so the very transaction we wait for), so connections
 * have no busy timeout and writers queue here instead:
 * - a write transaction takes the lock and holds it until COMMIT/ROLLBACK;
 * - other writers wait for it, like sqld's busy handler;
 * - a holder older than `txnTimeoutMs` (sqld: 5 s) may be robbed by a waiter: its transaction is
 *   rolled back and its next request fails with TRANSACTION_TIMEOUT; it also times out on its own
 *   next request when nobody waits (sqld does both).
 */
import type { SqlConnection } from './connection'

interface Holder {
  conn: SqlConnection
  since: number
}

export class WriteLock {
  #holder: Holder | undefined
  #waiters = new Set<() => void>()

  constructor(
    readonly txnTimeoutMs: number,
    private readonly onSteal: (heldMs: number) => void = () => {},
  ) {}

  /** True if `conn` would have to wait before writing. */
  mustWait(conn: SqlConnection): boolean {
    return this.#holder !== undefined && this.#holder.conn !== conn
  }

  /** Takes the lock for `conn` when it is free (the caller checked `mustWait`). */
  take(conn: SqlConnection): void {
    this.#holder ??= { conn, since: Date.now() }
  }

  /** Waits until `conn` may write, stealing the lock from a holder past its timeout, then takes it. */
  async acquire(conn: SqlConnection, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const holder = this.#holder
      if (!holder || holder.conn === conn) break
      const left = holder.since + this.txnTimeoutMs - Date.now()
      if (left <= 0) {
        this.#steal(holder)
        break
      }
      if (signal?.aborted) throw signal.reason
      await this.wait(left)
    }
    this.take(conn)
  }

  /** Resolves on the next release (or after `ms`). Also used to pace SQLITE_BUSY retries. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#waiters.add(done)
    })
  }

  /** After every statement: keeps the holder in step with the connection's transaction state. */
  afterStatement(conn: SqlConnection, wasInTransaction: boolean): void {
    const holder = this.#holder
    if (conn.inTransaction) {
      if (holder?.conn === conn) return
    } else if (holder?.conn === conn) {
      this.release(conn)
      return
    }
    // a transaction ended on a connection we did not know was writing: someone may be retrying
    if (wasInTransaction && !conn.inTransaction) this.#notify()
  }

  /** True if `conn` holds the lock longer than allowed; sqld then rolls the transaction back. */
  isExpiredHolder(conn: SqlConnection): boolean {
    const holder = this.#holder
    return holder?.conn === conn && Date.now() - holder.since > this.txnTimeoutMs
  }

  /** Drops the lock if `conn` holds it and wakes the waiters. */
  release(conn: SqlConnection): void {
    if (this.#holder?.conn !== conn) return
    this.#holder = undefined
    this.#notify()
  }

  #steal(holder: Holder): void {
    this.#holder = undefined
    holder.conn.txnStolen = true
    holder.conn.rollback()
    this.onSteal(Date.now() - holder.since)
    this.#notify()
  }

  #notify(): void {
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const wake of waiters) wake()
  }
}
