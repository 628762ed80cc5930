import { eq } from 'drizzle-orm'
import { projectionCursors } from '../../schema/db/projections'
import type { LoggedEvent } from '../../schema/events'
import { errorMessage, log } from '../lib/log'
import type { ProjectionsDb } from '../projections/database'
import { forgetSite, projectSiteEvents } from '../projections/site-projection'

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
}

/**
 * Pushes a site's events to libSQL after the cursor stored there, one batch per libSQL
 * transaction with the cursor in it. One push runs at a time; when libSQL fails the
 * projector backs off and the object's alarm brings it back.
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

  /** Pushes soon, gathering the appends that arrive meanwhile into the same push. */
  soon() {
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

  private async push() {
    const site = this.source.site()
    if (!site) return
    const { siteId, tenantId } = site
    try {
      this.#projectedSeq ??= await this.readCursor(siteId)
      while (this.#projectedSeq < this.source.head()) {
        const batch = this.source.read(this.#projectedSeq, BATCH_EVENTS)
        await this.db.batch(projectSiteEvents(this.db, siteId, tenantId, batch))
        this.#projectedSeq = batch.at(-1)?.seq ?? this.#projectedSeq
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

  private async readCursor(siteId: string) {
    const row = await this.db
      .select({ seq: projectionCursors.seq })
      .from(projectionCursors)
      .where(eq(projectionCursors.siteId, siteId))
      .get()
    return row?.seq ?? 0
  }
}
