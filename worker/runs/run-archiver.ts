import type { RunArchive } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import { type CloudEvent, EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { errorMessage, log } from '../lib/log'
import type { EventLog } from '../site/event-log'
import { toCloudEvent } from '../site/sitewire-event'
import { OutputTallies } from './output-tallies'
import { type BuiltArchive, buildArchive } from './run-archive'
import type { RunBook, RunRow } from './run-book'

const DAY_MS = 24 * 60 * 60 * 1000
const FIRST_RETRY_MS = 5_000
const MAX_RETRY_MS = 15 * 60 * 1000
/** Builds of one run in a row that may find late output arrived meanwhile, before waiting for a retry. */
const MAX_BUILDS = 3
const ACTOR = 'system/archives'

/** Where a run's archive lives in the `ARCHIVES` bucket. */
export const archiveKey = (siteId: string, runId: string) => `sites/${siteId}/runs/${runId}.tar.gz`

/** `GET` path of a run's archive, as the log stream names it. */
export const archivePath = (siteId: string, runId: string) => `/v1/sites/${siteId}/runs/${runId}/archive`

export interface RunArchiverDeps {
  book: RunBook
  log: EventLog
  bucket: R2Bucket
  site: () => Site | undefined
  commit: (
    idempotency: IdempotencyClaim | undefined,
    plan: (time: string) => { events: CloudEvent[]; reply: () => Reply<null> },
  ) => Reply<null>
  wakeAt: (at: number) => void
  now: () => number
}

/**
 * Moves ended runs' output from the log to R2 and deletes archives past the site's retention.
 * A run is archived by building its `.tar.gz`, putting it (same key every time, so a retry
 * overwrites), then appending `io.sitewire.run.archived`, whose fold drops the output from the
 * log in the same transaction. A crash in between leaves the run unarchived, and the next start
 * archives it again; a failure retries on the alarm. One run is built at a time, which bounds
 * the memory archiving takes to one archive.
 */
export class RunArchiver {
  private readonly queue = new Set<string>()
  private readonly tallies = new OutputTallies()
  private draining: Promise<void> | null = null
  /** When to look for ended runs left unarchived (ms): on the first tick after a start, later after a failure. */
  private scanAt = 0
  private failures = 0
  /** No sweep for expired archives before this (ms): sweeps run at most daily. */
  private sweepNotBefore = 0
  private sweeping: Promise<void> | null = null
  /** When the oldest archive expires (ms), once worked out; null when it must be worked out again. */
  private expiresAt: number | undefined | null = null

  constructor(private readonly deps: RunArchiverDeps) {}

  /** Acts on a stored event: output is counted, an ended run is archived; a change to archives or retention moves the next sweep. */
  react(event: LoggedEvent) {
    this.tallies.add(event)
    switch (event.type) {
      case EventType.runFinished:
      case EventType.runSkipped:
        return this.archive((event.data as { run_id: string }).run_id)
      case EventType.runArchived:
      case EventType.runArchiveDeleted:
        this.expiresAt = null
        return
      case EventType.siteUpdated:
        this.expiresAt = null
        return this.tick()
    }
  }

  /** On each advance of the runs (start, alarm, changes): resumes archiving, sweeps, asks for the alarm. */
  tick() {
    const now = this.deps.now()
    if (now >= this.scanAt) {
      this.scanAt = Number.POSITIVE_INFINITY
      for (const run of this.deps.book.unarchivedRuns()) this.archive(run.id)
    }
    const sweepAt = this.nextSweep()
    if (sweepAt !== undefined && sweepAt <= now) {
      this.sweeping ??= this.sweep(now).finally(() => {
        this.sweeping = null
      })
    }
    for (const at of [this.scanAt, sweepAt])
      if (at !== undefined && Number.isFinite(at) && at > now) this.deps.wakeAt(at)
  }

  /** A run's archive for download; refused while there is none. */
  find(run: RunRow): RunArchive {
    if (!run.archive)
      throw apiError(409, 'not_archived', "the run's logs are archived once it has ended; try again shortly")
    if (run.archive.deleted_at)
      throw apiError(
        404,
        'archive_deleted',
        `the site's retention deleted this archive at ${run.archive.deleted_at}`,
      )
    return run.archive
  }

  private archive(runId: string) {
    this.queue.add(runId)
    this.draining ??= this.drain().finally(() => {
      this.draining = null
    })
  }

  private async drain() {
    // A Set's iteration also visits runs added while an earlier one is built.
    for (const runId of this.queue) {
      this.queue.delete(runId)
      try {
        await this.archiveRun(runId)
        this.failures = 0
      } catch (error) {
        this.failures += 1
        const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1))
        log('warn', 'run archive failed', { run_id: runId, retry_in_ms: delay, error: errorMessage(error) })
        // The others would most likely fail the same way; the retry's scan finds them all.
        this.queue.clear()
        this.scanAt = Math.min(this.scanAt, this.deps.now() + delay)
        this.deps.wakeAt(this.scanAt)
      }
    }
  }

  private async archiveRun(runId: string) {
    for (let build = 1; ; build++) {
      const run = this.deps.book.run(runId)
      const site = this.deps.site()
      if (!site || !run || run.archive || run.finishedAt === null) return
      const definition = this.deps.book.definitionOf(runId)
      const built = await buildArchive(
        {
          seqs: () => this.deps.log.seqsOf(runId, EventType.stepOutput),
          bySeq: (seqs) => this.deps.log.readSeqs(seqs),
          counted: (seqs) => this.tallies.of(runId, seqs),
        },
        {
          siteId: site.id,
          run,
          taskName: definition?.name ?? '',
          stepNames: (definition?.steps ?? []).map((step, i) => step.name ?? `${step.kind} ${i + 1}`),
          steps: this.deps.book.steps(runId),
        },
      )
      const key = archiveKey(site.id, runId)
      await this.deps.bucket.put(key, built.bytes, {
        sha256: built.sha256,
        httpMetadata: { contentType: 'application/gzip' },
        customMetadata: { run_id: runId, sha256: built.sha256, lines: String(built.lines) },
      })
      if (this.record(runId, key, built)) return
      if (build === MAX_BUILDS) throw new Error('output kept arriving while the run was archived')
    }
  }

  /**
   * Appends `run.archived` unless output came in after the build read it (then false: build
   * again). The check and the append run in one turn of the object, so nothing slips between.
   */
  private record(runId: string, key: string, built: BuiltArchive): boolean {
    let current = true
    this.deps.commit(undefined, (time) => {
      const stored = this.deps.log.countSubject(runId, EventType.stepOutput)
      current = stored.count === built.events && stored.last === built.lastSeq
      const body: SitewireEventBody = {
        type: EventType.runArchived,
        data: {
          run_id: runId,
          key,
          bytes: built.bytes.length,
          sha256: built.sha256,
          lines: built.lines,
          pruned_events: built.events,
        },
      }
      return {
        events: current && !this.deps.book.run(runId)?.archive ? [this.event(body, runId, time)] : [],
        reply: () => ({ status: 200, body: null }),
      }
    })
    return current
  }

  /** When the next sweep is due (ms): when the oldest archive expires, but not before a day after the last. */
  private nextSweep(): number | undefined {
    const site = this.deps.site()
    if (!site) return undefined
    if (this.expiresAt === null) {
      const oldest = this.deps.book.oldestArchive()
      this.expiresAt = oldest === undefined ? undefined : Date.parse(oldest) + site.retention_days * DAY_MS
    }
    return this.expiresAt === undefined ? undefined : Math.max(this.expiresAt, this.sweepNotBefore)
  }

  /** Deletes from R2 the archives of runs that ended longer ago than the site keeps them, and says so in the log. */
  private async sweep(now: number) {
    this.sweepNotBefore = now + DAY_MS
    const site = this.deps.site()
    if (!site) return
    const before = new Date(now - site.retention_days * DAY_MS).toISOString()
    for (const run of this.deps.book.expiredArchives(before)) {
      const key = run.archive?.key
      if (!key) continue
      try {
        // Deleting first: a crash before the event deletes again (a no-op) and then records it.
        await this.deps.bucket.delete(key)
      } catch (error) {
        log('warn', 'archive deletion failed', { run_id: run.id, error: errorMessage(error) })
        this.sweepNotBefore = this.deps.now() + FIRST_RETRY_MS
        this.deps.wakeAt(this.sweepNotBefore)
        return
      }
      this.deps.commit(undefined, (time) => ({
        events:
          this.deps.book.run(run.id)?.archive?.deleted_at === null
            ? [this.event({ type: EventType.runArchiveDeleted, data: { run_id: run.id, key } }, run.id, time)]
            : [],
        reply: () => ({ status: 200, body: null }),
      }))
    }
  }

  private event(body: SitewireEventBody, runId: string, time: string): CloudEvent {
    const site = this.deps.site()
    if (!site) throw new Error('archiving needs the site')
    return toCloudEvent(body, { siteId: site.id, subject: runId, actor: ACTOR, time })
  }
}
