import { RpcTarget } from 'cloudflare:workers'
import type { ListEventsQuery } from '../../schema/api/events'
import type { QuarantineRetried, Site, SiteStatus, UpdateSiteBody } from '../../schema/api/sites'
import type { WriteContext } from '../auth/caller'
import { toBinaryMessage, toStructuredMessage } from '../cloudevents/binary-message'
import { apiError } from '../http/errors'
import type { Answer, Reply } from '../lib/idempotency'
import type { CallerScope } from './caller-scope'
import type { EventLog } from './event-log'
import type { EventStreams } from './event-streams'
import type { ProjectionQuarantine } from './projection-quarantine'
import type { Projector } from './projector'
import type { SiteCommand } from './site-decider'

/** The kernel's parts a caller reaches through the site itself. */
export interface SiteParts {
  site(): Site
  log: EventLog
  streams: EventStreams
  projector: Projector
  quarantine: ProjectionQuarantine
  command(command: SiteCommand, write: WriteContext): Reply<Site>
}

/** The site itself as one caller reaches it: its settings and lifecycle, its log, its projection. */
export class SiteApi extends RpcTarget {
  constructor(
    private readonly parts: SiteParts,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  get(): Answer<Site> {
    return this.scope.answer(() => ({ status: 200, body: this.parts.site() }))
  }

  update(input: UpdateSiteBody, write: WriteContext): Answer<Site> {
    return this.scope.answer(() => this.parts.command({ type: 'update', input }, write))
  }

  archive(reason: string | undefined, write: WriteContext): Answer<Site> {
    return this.scope.answer(() =>
      this.parts.command(reason === undefined ? { type: 'archive' } : { type: 'archive', reason }, write),
    )
  }

  restore(write: WriteContext): Answer<Site> {
    return this.scope.answer(() => this.parts.command({ type: 'restore' }, write))
  }

  events(query: ListEventsQuery) {
    return this.scope.answer(() => {
      const log = this.parts.log
      const items = log.read(query.after, query.limit, query.type)
      const last = items.at(-1)
      const more = items.length === query.limit && last !== undefined && last.seq < log.head
      return { status: 200, body: { items, next_cursor: more ? String(last.seq) : null } }
    })
  }

  /** One event, written in the JSON format or in HTTP's binary mode. */
  event(seq: number, mode: 'structured' | 'binary') {
    return this.scope.answer(() => {
      const [event] = this.parts.log.readSeqs([seq])
      if (!event) throw apiError(404, 'not_found', `no event ${seq} in this log`)
      return { status: 200, body: mode === 'binary' ? toBinaryMessage(event) : toStructuredMessage(event) }
    })
  }

  /** The events the projector set aside, with their errors. */
  quarantined() {
    return this.scope.answer(() => {
      const rows = this.parts.quarantine.list()
      const events = new Map(
        this.parts.log.readSeqs(rows.map((row) => row.seq)).map((event) => [event.seq, event]),
      )
      const items = rows.map((row) => {
        const event = events.get(row.seq)
        return {
          seq: row.seq,
          id: event?.id ?? null,
          source: event?.source ?? null,
          type: event?.type ?? null,
          error: row.error,
          quarantined_at: row.quarantined_at,
        }
      })
      return { status: 200, body: { items } }
    })
  }

  /** Applies the quarantined events to the projection again. */
  retryQuarantined(): Promise<Answer<QuarantineRetried>> {
    return this.scope.answerAsync(async () => {
      const { released, stillQuarantined } = await this.parts.projector.retryQuarantined()
      return { status: 200, body: { released, still_quarantined: stillQuarantined } }
    })
  }

  status(): Answer<SiteStatus> {
    return this.scope.answer(() => {
      const site = this.parts.site()
      const head = this.parts.log.head
      const projector = this.parts.projector.status
      return {
        status: 200,
        body: {
          site_id: site.id,
          head_seq: head,
          projected_seq: projector.projectedSeq,
          lag: projector.projectedSeq === null ? null : head - projector.projectedSeq,
          projector: {
            state: projector.state,
            last_error: projector.lastError,
            next_retry_at:
              projector.nextRetryAt === null ? null : new Date(projector.nextRetryAt).toISOString(),
            failures: projector.failures,
          },
          quarantine: this.parts.quarantine.summary(),
          stream_clients: this.parts.streams.count,
        },
      }
    })
  }
}
