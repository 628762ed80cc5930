import { monotonicFactory } from 'ulid'
import type { AlertLabels } from '../../schema/alerts/received-alert'
import type { CreateSilenceBody, Silence } from '../../schema/api/alerts'
import { type CloudEvent, EventType, type SilenceDefinition } from '../../schema/events'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import type { SiteKernel } from '../site/feature'
import type { AlertBook, SilenceRow } from './alert-book'
import { silenceChanges } from './alert-decider'
import { isActive, matchesAll, nextBoundary } from './silence-windows'

const nextId = monotonicFactory()

/** Each firing alert's silence events, grouped by the alert they are about. */
export type AlertEvents = { alertId: string; events: ReturnType<typeof silenceChanges> }[]

/**
 * A site's silences (maintenance windows): alerts inside one are recorded and marked silenced,
 * and rules leave them alone. Firing alerts enter and leave silences by events: when a silence
 * is made or deleted, and when one of its windows opens or closes (on the alarm).
 */
export class Silences {
  /** Silences not deleted, read once per change of them: every delivery asks which hold. */
  private live: SilenceRow[] | null = null

  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: AlertBook,
  ) {}

  /** A silence event happened: the live set is read again when next needed. */
  changed() {
    this.live = null
  }

  /** The silences that hold at `now` (ms) and match these labels. */
  holding(labels: AlertLabels, now: number): string[] {
    return this.liveSilences()
      .filter((row) => isActive(row.definition, now) && matchesAll(row.definition.matchers, labels))
      .map((row) => row.id)
  }

  /** When a silence next opens or closes. */
  nextBoundary(now: number): number | undefined {
    let next: number | undefined
    for (const row of this.liveSilences()) {
      const at = nextBoundary(row.definition, now)
      if (at !== undefined && (next === undefined || at < next)) next = at
    }
    return next
  }

  /** What brings every firing alert's silences up to date at `now`. */
  reconcile(now: number): AlertEvents {
    return this.book
      .firing()
      .map((row) => ({ alertId: row.id, events: silenceChanges(row, this.holding(row.labels, now)) }))
      .filter((change) => change.events.length > 0)
  }

  create(input: CreateSilenceBody, actor: string, idempotency?: IdempotencyClaim): Reply<Silence> {
    this.kernel.scope.active()
    const now = this.kernel.now()
    const definition: SilenceDefinition = {
      matchers: input.matchers,
      starts_at: input.starts_at ?? new Date(now).toISOString(),
      ends_at: input.ends_at,
      recurrence: input.recurrence,
      comment: input.comment,
    }
    if (Date.parse(definition.ends_at) <= Math.max(now, Date.parse(definition.starts_at)))
      throw apiError(422, 'ends_in_past', '`ends_at` must be in the future and after `starts_at`')
    const silenceId = nextId()
    const entering = isActive(definition, now)
      ? this.book
          .firing()
          .filter((row) => matchesAll(definition.matchers, row.labels))
          .map((row) => ({ alertId: row.id, events: silenceChanges(row, [...row.silencedBy, silenceId]) }))
      : []
    return this.commit(
      idempotency,
      silenceId,
      actor,
      201,
      { type: EventType.silenceCreated, data: { silence_id: silenceId, definition } },
      entering,
    )
  }

  /** Ends a silence early: the alerts it held leave it. */
  remove(silenceId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Silence> {
    this.kernel.scope.active()
    const row = this.book.silence(silenceId)
    if (!row) throw apiError(404, 'not_found', 'silence not found')
    if (row.deletedAt) throw apiError(409, 'silence_deleted', 'the silence was deleted already')
    const leaving = this.book
      .firing()
      .filter((alert) => alert.silencedBy.includes(silenceId))
      .map((alert) => ({
        alertId: alert.id,
        events: silenceChanges(
          alert,
          alert.silencedBy.filter((id) => id !== silenceId),
        ),
      }))
    return this.commit(
      idempotency,
      silenceId,
      actor,
      200,
      { type: EventType.silenceDeleted, data: { silence_id: silenceId } },
      leaving,
    )
  }

  get(silenceId: string): Reply<Silence> {
    this.kernel.scope.present()
    const row = this.book.silence(silenceId)
    if (!row) throw apiError(404, 'not_found', 'silence not found')
    return { status: 200, body: this.view(row) }
  }

  list(limit: number, cursor: string | undefined): Reply<Page<Silence>> {
    this.kernel.scope.present()
    return pageReply(this.book.silences(limit, cursor), limit, (row) => this.view(row))
  }

  /** The events of each alert, each about its alert, for a commit at `time`. */
  eventsOf(changes: AlertEvents, actor: string, time: string): CloudEvent[] {
    return changes.flatMap((change) => this.kernel.scope.events(change.events, change.alertId, actor, time))
  }

  private commit(
    idempotency: IdempotencyClaim | undefined,
    silenceId: string,
    actor: string,
    status: 200 | 201,
    silenceEvent: Parameters<SiteKernel['scope']['events']>[0][number],
    changes: AlertEvents,
  ): Reply<Silence> {
    return this.kernel.commit<Silence>(idempotency, (time) => ({
      events: [
        ...this.kernel.scope.events([silenceEvent], silenceId, actor, time),
        ...this.eventsOf(changes, actor, time),
      ],
      reply: () => ({ status, body: this.view(this.book.silence(silenceId) as SilenceRow) }),
    }))
  }

  private view(row: SilenceRow): Silence {
    return {
      id: row.id,
      site_id: this.kernel.scope.present().id,
      ...row.definition,
      active: row.deletedAt === null && isActive(row.definition, this.kernel.now()),
      created_at: row.createdAt,
      created_by: row.createdBy,
      deleted_at: row.deletedAt,
    }
  }

  private liveSilences() {
    this.live ??= this.book.liveSilences()
    return this.live
  }
}
