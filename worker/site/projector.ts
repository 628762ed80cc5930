import { eq } from 'drizzle-orm'
import { projectionCursors } from '../../schema/db/projections'
import type { LoggedEvent } from '../../schema/events'
import { errorMessage, log } from '../lib/log'
import type { ProjectionsDb } from '../projections/database'
import { cursorAt, forgetSite, projectSiteEvents, type RejectedEvent } from '../projections/site-projection'

/** Events pushed to libSQL in one transaction. */
const BATCH_EVENTS = 1000
/**
 * How long an append waits for others before its push starts: under load many appends share
 * one libSQL transaction instead of each paying for its own.
 */
const GATHER_MS = 20
const FIRST_RETRY_MS = 500
const MAX_RETRY_MS = 60_000

export interface ProjectorSource {
  /** The site and its tenant, once the site exists. */
  site(): { siteId: string; tenantId: string } | undefined
  head(): number
  read(after: number, limit: number): LoggedEvent[]
  /** Asks the object's alarm to call `catchUp` again at `at` (ms). */
  retryAt(at: number): void
  /** The `seq`s of the events set aside so far. */
  quarantined(): ReadonlySet<number>
  /** Sets events aside: the projection goes on without them. */
  quarantine(events: readonly (RejectedEvent & { event: LoggedEvent })[]): void
  /** Quarantined events that have now been applied. */
  release(seqs: readonly number[]): void
}

/**
 * Pushes a site's events to libSQL after the cursor stored there, one batch per libSQL
 * transaction with the cursor in it. One push runs at a time; when libSQL fails the
 * projector backs off and the object's alarm brings it back.
 *
 * No event can stall it: one whose statements cannot be built is set aside at once, and when
 * libSQL refuses a batch while it still answers, the batch is halved until the event it
 * refuses stands alone, fails twice, and is set aside. Set-aside events are re-applied by a
 * rebuild or by `retryQuarantined`.
 */
export class Projector {
  #projectedSeq: number | null = null
  #running: Promise<void> | null = null
  #failures = 0
  #lastError: string | null = null
  #nextRetryAt: number | null = null
  #gathering: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly db: ProjectionsDb,
    private readonly source: ProjectorSource,
  ) {}

  get status() {
    return {
      projectedSeq: this.#projectedSeq,
      state: this.#running
        ? ('running' as const)
        : this.#nextRetryAt
          ? ('retrying' as const)
          : ('idle' as const),
      lastError: this.#lastError,
      nextRetryAt: this.#nextRetryAt,
      failures: this.#failures,
    }
  }

  /**
   * Pushes soon, gathering the appends that arrive meanwhile into the same push. While backing
   * off it waits for its retry: appends during an outage must not grow the backoff to its cap.
   */
  soon() {
    if (this.#nextRetryAt !== null && Date.now() < this.#nextRetryAt) return
    this.#gathering ??= setTimeout(() => {
      this.#gathering = null
      void this.catchUp()
    }, GATHER_MS)
  }

  /** Starts a push unless one is running; the running one picks up new events itself. */
  catchUp(): Promise<void> {
    this.#running ??= this.push().finally(() => {
      this.#running = null
    })
    return this.#running
  }

  /** Deletes the site's projected rows and replays its whole log. */
  async rebuild(): Promise<void> {
    const site = this.source.site()
    if (!site) return
    await this.#running
    this.#running = (async () => {
      await this.db.batch(forgetSite(this.db, site.siteId))
      this.#projectedSeq = 0
    })().finally(() => {
      this.#running = null
    })
    await this.#running
    await this.catchUp()
  }

  /** Applies the quarantined events again; those that now apply leave the quarantine. */
  async retryQuarantined(): Promise<{ released: number[]; stillQuarantined: RejectedEvent[] }> {
    const site = this.source.site()
    const seqs = [...this.source.quarantined()].sort((a, b) => a - b)
    const outcome = { released: [] as number[], stillQuarantined: [] as RejectedEvent[] }
    if (!site || seqs.length === 0) return outcome
    await this.#running
    for (const seq of seqs) {
      const [event] = this.source.read(seq - 1, 1)
      if (event?.seq !== seq) {
        // Pruned from the log since: nothing is left to apply.
        outcome.released.push(seq)
        continue
      }
      const { statements, rejected } = projectSiteEvents(this.db, site.siteId, site.tenantId, [event])
      const error = rejected[0]?.error ?? (await this.tryBatch(statements))
      if (error === null) outcome.released.push(seq)
      else outcome.stillQuarantined.push({ seq, error })
    }
    if (outcome.released.length > 0) this.source.release(outcome.released)
    return outcome
  }

  private async push() {
    const site = this.source.site()
    if (!site) return
    const { siteId, tenantId } = site
    try {
      this.#projectedSeq ??= await this.readCursor(siteId)
      let size = BATCH_EVENTS
      // While a refused batch is being narrowed down: the last seq it held.
      let suspectUntil = 0
      while (this.#projectedSeq < this.source.head()) {
        const batch = this.source.read(this.#projectedSeq, size)
        const last = batch.at(-1)
        if (!last) break
        const { statements, rejected } = projectSiteEvents(this.db, siteId, tenantId, batch)
        const error = await this.tryBatch(statements)
        if (error === null) {
          this.settle(batch, rejected)
        } else {
          // libSQL refusing even the cursor is libSQL failing: that throws, and the push backs off.
          await this.db.batch([cursorAt(this.db, siteId, this.#projectedSeq)])
          if (batch.length > 1) {
            suspectUntil = Math.max(suspectUntil, last.seq)
            size = Math.ceil(batch.length / 2)
            continue
          }
          await this.setAsideAlone(siteId, tenantId, last, error)
        }
        this.#projectedSeq = last.seq
        if (last.seq >= suspectUntil) size = BATCH_EVENTS
      }
      if (this.#failures > 0)
        log('info', 'projection caught up', { site_id: siteId, after_failures: this.#failures })
      this.#failures = 0
      this.#lastError = null
      this.#nextRetryAt = null
    } catch (error) {
      this.#failures += 1
      this.#lastError = errorMessage(error)
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.#failures - 1))
      this.#nextRetryAt = Date.now() + delay
      log('warn', 'projection push failed', {
        site_id: siteId,
        failures: this.#failures,
        retry_in_ms: delay,
        error: this.#lastError,
      })
      this.source.retryAt(this.#nextRetryAt)
    }
  }

  /** One event libSQL refused on its own, while it answers: a second try, then it is set aside. */
  private async setAsideAlone(siteId: string, tenantId: string, event: LoggedEvent, error: string) {
    const { statements } = projectSiteEvents(this.db, siteId, tenantId, [event])
    const again = await this.tryBatch(statements)
    if (again === null) return this.settle([event], [])
    if (!this.source.quarantined().has(event.seq))
      this.setAside([{ seq: event.seq, error: again || error, event }])
    await this.db.batch([cursorAt(this.db, siteId, event.seq)])
  }

  /** After a batch went in: what it could not hold is set aside, what it healed is released. */
  private settle(batch: readonly LoggedEvent[], rejected: readonly RejectedEvent[]) {
    const quarantined = this.source.quarantined()
    const refused = new Set(rejected.map((r) => r.seq))
    const fresh = rejected.filter((r) => !quarantined.has(r.seq))
    if (fresh.length > 0) {
      const bySeq = new Map(batch.map((event) => [event.seq, event]))
      this.setAside(fresh.map((r) => ({ ...r, event: bySeq.get(r.seq) as LoggedEvent })))
    }
    if (quarantined.size === 0) return
    const healed = batch.filter((e) => quarantined.has(e.seq) && !refused.has(e.seq)).map((e) => e.seq)
    if (healed.length > 0) this.source.release(healed)
  }

  private setAside(events: readonly (RejectedEvent & { event: LoggedEvent })[]) {
    const site = this.source.site()
    for (const { seq, error, event } of events) {
      log('error', 'event quarantined: the projection goes on without it', {
        site_id: site?.siteId,
        seq,
        type: event.type,
        error,
      })
    }
    this.source.quarantine(events)
  }

  /** Runs a batch; the error's message when libSQL refuses it. */
  private async tryBatch(statements: Parameters<ProjectionsDb['batch']>[0]): Promise<string | null> {
    try {
      await this.db.batch(statements)
      return null
    } catch (error) {
      return errorMessage(error)
    }
  }

  private async readCursor(siteId: string) {
    const row = await this.db
      .select({ seq: projectionCursors.seq })
      .from(projectionCursors)
      .where(eq(projectionCursors.siteId, siteId))
      .get()
    return row?.seq ?? 0
  }
}
