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
   * them, its answer and its audit entry (when `audit` is given) in one transaction; then tells
   * whoever waits for stored events.
   */
  commit<T>(
    idempotency: IdempotencyClaim | undefined,
    plan: CommitPlan<T>,
    audit?: Omit<AuditRecord, 'status'>,
  ): Reply<T> {
    const { log, idempotency: replays, audit: outbox } = this.parts
    const now = Date.now()
    const replay = replays.find(idempotency, now)
    if (replay) {
      if (audit) {
        outbox.add({ ...audit, status: replay.status }, now)
        outbox.soon()
      }
      return replay as Reply<T>
    }
    const time = new Date(now).toISOString()
    const { events, reply, replay: replayBody } = plan(time)
    let committed: { fresh: LoggedEvent[]; next: SiteState; answer: Reply<T> }
    try {
      committed = this.parts.storage.transactionSync(() => {
        const appended = log.append(events, time)
        const fresh = appended.flatMap((a) => (a.event ? [a.event] : []))
        for (const event of fresh) this.evolve(event)
        const next = fresh.reduce(
          (state, event) =>
            event.type.startsWith(SITE_EVENT_PREFIX) ? evolveSite(state, event as never) : state,
          this.state,
        )
        const answer = reply(appended, next)
        if (audit) outbox.add({ ...audit, status: answer.status }, now)
        replays.save(
          idempotency,
          replayBody === undefined ? answer : { status: answer.status, body: replayBody(answer.body) },
          now,
        )
        return { fresh, next, answer }
      })
    } catch (error) {
      log.reload()
      throw error
    }
    const { fresh, next, answer } = committed
    this.state = next
    if (audit) outbox.soon()
    if (fresh.length > 0) this.parts.stored(fresh)
    return answer
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

  /** Every feature's fold of one stored event, and what the event lets the log drop. */
  private evolve(event: LoggedEvent) {
    for (const feature of this.parts.features()) {
      feature.evolve?.(event)
      const prune = feature.prunes?.(event)
      if (prune) this.parts.log.prune(prune.subject, prune.type, event.seq)
    }
    this.parts.quarantine.apply(event)
  }
}
