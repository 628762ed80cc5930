import { monotonicFactory } from 'ulid'
import type { AuditEntry, AuditRecord } from '../../schema/api/access'

/** Random fractions from one pool refilled 4 KiB at a time: a ULID asks for 16, one crypto call each otherwise. */
const pool = new Uint8Array(4096)
let drawn = pool.length
const pooledRandom = () => {
  if (drawn === pool.length) {
    crypto.getRandomValues(pool)
    drawn = 0
  }
  return (pool[drawn++] as number) / 256
}
const nextId = monotonicFactory(pooledRandom)
/** The audit action of an append: recorded by the site when it commits, by the Worker when it is refused. */
export const APPEND_AUDIT_ACTION = 'events.append'
/** Entries sent to the tenant in one call. */
const BATCH_ENTRIES = 500
/** How long an entry waits for others before they go together: under load many writes share one call. */
const GATHER_MS = 100
const RETRY_MS = 5_000

export interface AuditDestination {
  /** Stores entries in the tenant's trail; an entry already there is not stored twice. */
  send(entries: AuditEntry[]): Promise<void>
  /** Asks the object's alarm to flush at `at` (ms). */
  retryAt(at: number): void
  fault(error: unknown): void
}

/**
 * Audit entries of writes committed in this object, stored in the write's own transaction so a
 * committed write is never without its entry, and forwarded to the tenant's trail in batches,
 * off the request's path. A row is deleted only once the tenant has stored it: a crash in
 * between sends it again, and the tenant keeps one copy (the id is the entry's).
 */
export class AuditOutbox {
  #running: Promise<void> | null = null
  #gathering: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly sql: SqlStorage,
    private readonly destination: AuditDestination,
  ) {}

  /** Stores one entry; inside a transaction it commits, or not, with the write. */
  add(record: AuditRecord, now: number) {
    const entry: AuditEntry = { id: nextId(now), time: new Date(now).toISOString(), ...record }
    this.sql.exec('INSERT INTO audit_outbox (id, entry) VALUES (?, ?)', entry.id, JSON.stringify(entry))
  }

  /** Forwards soon, gathering the entries that arrive meanwhile into the same call. */
  soon() {
    if (this.#gathering) return
    // Should the object stop before then, its alarm forwards what is left.
    this.destination.retryAt(Date.now() + RETRY_MS)
    this.#gathering = setTimeout(() => {
      this.#gathering = null
      void this.flush()
    }, GATHER_MS)
  }

  /** Forwards every stored entry unless a flush is running; the running one picks up new entries itself. */
  flush(): Promise<void> {
    this.#running ??= this.forward().finally(() => {
      this.#running = null
    })
    return this.#running
  }

  private async forward() {
    try {
      for (;;) {
        const rows = this.sql
          .exec<{ id: string; entry: string }>(
            'SELECT id, entry FROM audit_outbox ORDER BY id LIMIT ?',
            BATCH_ENTRIES,
          )
          .toArray()
        if (rows.length === 0) return
        await this.destination.send(rows.map((row) => JSON.parse(row.entry) as AuditEntry))
        this.sql.exec(
          'DELETE FROM audit_outbox WHERE id IN (SELECT value FROM json_each(?))',
          JSON.stringify(rows.map((row) => row.id)),
        )
      }
    } catch (error) {
      this.destination.fault(error)
      this.destination.retryAt(Date.now() + RETRY_MS)
    }
  }
}
