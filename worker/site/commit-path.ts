import type { AuditRecord } from '../../schema/api/access'
import type { LoggedEvent, SitewireEventBody } from '../../schema/events'
import type { IdempotencyClaim, IdempotencyStore, Reply } from '../lib/idempotency'
import type { AuditOutbox } from './audit-outbox'
import type { CommitPlan } from './commit-plan'
import type { EventLog } from './event-log'
import type { SiteFeature } from './feature'
import type { ProjectionQuarantine } from './projection-quarantine'
import { evolveSite, initialSiteState, type SiteState } from './site-decider'
import { toCloudEvent } from './sitewire-event'

const SITE_EVENT_PREFIX = 'io.sitewire.site.'

/** One write to commit: its `Idempotency-Key`, what it decides, and its audit entry. */
export interface Write<T> {
  idempotency: IdempotencyClaim | undefined
  plan: CommitPlan<T>
  audit?: Omit<AuditRecord, 'status'> | undefined
}

/** How one write of a group ended. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

/** What the commit path writes through, and whom it tells of what it stored. */
export interface CommitParts {
  storage: DurableObjectStorage
  log: EventLog
  idempotency: IdempotencyStore
  audit: AuditOutbox
  quarantine: ProjectionQuarantine
  features: () => readonly SiteFeature[]
  /** After the transaction, with the events it stored: watchers, the projector, the reactions. */
  stored: (fresh: LoggedEvent[]) => void
}

/**
 * The site's one commit path, and the site's own state it folds: one transaction per command
 * holding the idempotency check, the append, every feature's fold, the answer and its audit entry.
 */
export class CommitPath {
  state: SiteState = initialSiteState

  constructor(private readonly parts: CommitParts) {
    for (const event of parts.log.readTypes(SITE_EVENT_PREFIX))
      this.state = evolveSite(this.state, event as never)
  }

  siteId(): string | null {
    return this.state.status === 'absent' ? null : this.state.site.id
  }

  /**
   * Replays a repeated write, or decides one and stores its events, every feature's fold of
   * them and its answer in one transaction; then tells whoever waits for stored events.
   */
  commit<T>(idempotency: IdempotencyClaim | undefined, plan: CommitPlan<T>): Reply<T> {
    return this.store([{ idempotency, plan }])[0] as Reply<T>
  }

  /**
   * Group commit: writes that arrived together share one transaction, so one commit to disk.
   * Should that transaction fail, each write is tried on its own, and only those that fail
   * alone fail. A write tried again is folded again: this serves writes of external events,
   * which features fold into their tables (rolled back with the transaction), never in memory.
   */
  commitEach<T>(writes: readonly Write<T>[]): Settled<Reply<T>>[] {
    if (writes.length > 1) {
      try {
        return this.store(writes).map((value) => ({ ok: true, value }))
      } catch {
        // Told apart below.
      }
    }
    return writes.map((write) => {
      try {
        return { ok: true, value: this.store([write])[0] as Reply<T> }
      } catch (error) {
        return { ok: false, error }
      }
    })
  }

  private store<T>(writes: readonly Write<T>[]): Reply<T>[] {
    const { log, idempotency: replays, audit: outbox } = this.parts
    const now = Date.now()
    const time = new Date(now).toISOString()
    const before = this.state
    let committed: { fresh: LoggedEvent[]; answers: Reply<T>[] }
    try {
      committed = this.parts.storage.transactionSync(() => {
        const fresh: LoggedEvent[] = []
        const answers = writes.map(({ idempotency, plan, audit }) => {
          const replay = replays.find(idempotency, now) as Reply<T> | undefined
          if (replay) {
            if (audit) outbox.add({ ...audit, status: replay.status }, now)
            return replay
          }
          const { events, reply, replay: replayBody } = plan(time)
          const appended = log.append(events, time)
          for (const a of appended) {
            if (!a.event) continue
            fresh.push(a.event)
            this.evolve(a.event)
          }
          const answer = reply(appended, this.state)
          if (audit) outbox.add({ ...audit, status: answer.status }, now)
          replays.save(
            idempotency,
            replayBody === undefined ? answer : { status: answer.status, body: replayBody(answer.body) },
            now,
          )
          return answer
        })
        return { fresh, answers }
      })
    } catch (error) {
      this.state = before
      log.reload()
      throw error
    }
    if (writes.some((write) => write.audit)) outbox.soon()
    if (committed.fresh.length > 0) this.parts.stored(committed.fresh)
    return committed.answers
  }

  /** Stores events the system decided on its own, about `subject` (the site itself by default). */
  record(bodies: SitewireEventBody[], actor: string, subject?: string) {
    const siteId = this.siteId()
    if (!siteId || bodies.length === 0) return
    this.commit(undefined, (time) => ({
      events: bodies.map((body) => toCloudEvent(body, { siteId, subject: subject ?? siteId, actor, time })),
      reply: () => ({ status: 200, body: null }),
    }))
  }

  /** Every feature's fold of one stored event, the site's own, and what the event lets the log drop. */
  private evolve(event: LoggedEvent) {
    if (event.type.startsWith(SITE_EVENT_PREFIX)) this.state = evolveSite(this.state, event as never)
    for (const feature of this.parts.features()) {
      feature.evolve?.(event)
      const prune = feature.prunes?.(event)
      if (prune) this.parts.log.prune(prune.subject, prune.type, event.seq)
    }
    this.parts.quarantine.apply(event)
  }
}
