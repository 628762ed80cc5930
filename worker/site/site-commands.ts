import type { AppendResult } from '../../schema/api/events'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import type { AppendableEvent } from '../../schema/events'
import { actorOf, type Caller, type WriteContext } from '../auth/caller'
import type { Reply } from '../lib/idempotency'
import { APPEND_AUDIT_ACTION } from './audit-outbox'
import type { CommitPath, Settled, Write } from './commit-path'
import type { EventLog } from './event-log'
import { decideSite, requireActive, type SiteCommand, type SiteState } from './site-decider'
import { toCloudEvent } from './sitewire-event'

/** External events to append, and who appends them. */
export interface Append {
  events: AppendableEvent[]
  write: WriteContext
}

/** The site's own commands: creating it and changing it (decided by the site decider), and appending external events. */
export class SiteCommands {
  constructor(
    private readonly commits: CommitPath,
    private readonly log: EventLog,
    private readonly visibleSite: (caller: Caller) => Site,
  ) {}

  /** Creates the site, for a caller the tenant object has authorised. */
  create(siteId: string, input: CreateSiteBody, write: WriteContext): Reply<Site> {
    return this.run({ type: 'create', siteId, tenantId: write.caller.tenantId, input }, write)
  }

  /**
   * Appends external CloudEvents as they are; the Worker has validated them. Appends that
   * arrived together are committed as one group, each with its own outcome. An append's audit
   * entry is stored with its events and forwarded to the tenant after the answer.
   */
  appendAll(appends: readonly Append[]): Settled<Reply<AppendResult>>[] {
    const outcomes: Settled<Reply<AppendResult>>[] = []
    const accepted: { index: number; write: Write<AppendResult> }[] = []
    appends.forEach(({ events, write }, index) => {
      try {
        accepted.push({ index, write: this.appendWrite(events, write) })
      } catch (error) {
        outcomes[index] = { ok: false, error }
      }
    })
    this.commits.commitEach(accepted.map((a) => a.write)).forEach((outcome, i) => {
      outcomes[(accepted[i] as { index: number }).index] = outcome
    })
    return outcomes
  }

  private appendWrite(events: AppendableEvent[], write: WriteContext): Write<AppendResult> {
    const site = this.visibleSite(write.caller)
    requireActive(this.state)
    return {
      idempotency: write.idempotency,
      audit: {
        actor: write.caller.actor,
        action: APPEND_AUDIT_ACTION,
        object: { type: 'site', id: site.id },
        site_id: site.id,
        address: write.caller.address,
        details: null,
      },
      plan: () => ({
        events,
        reply: (appended) => ({
          status: appended.some((a) => !a.duplicate) ? 201 : 200,
          body: {
            items: appended.map(({ id, source, seq, duplicate }) => ({ id, source, seq, duplicate })),
            head_seq: this.log.head,
          },
        }),
      }),
    }
  }

  /** A command on the site itself, decided by the site decider. */
  run(command: SiteCommand, write: WriteContext): Reply<Site> {
    return this.commits.commit<Site>(write.idempotency, (time) => {
      const siteId = command.type === 'create' ? command.siteId : this.visibleSite(write.caller).id
      const at = { siteId, subject: siteId, actor: actorOf(write), time }
      // The reply runs after the events are folded, so whether this created the site is read now.
      const created = command.type === 'create' && this.state.status === 'absent'
      return {
        events: decideSite(this.state, command).map((body) => toCloudEvent(body, at)),
        reply: (_appended, next) => {
          if (next.status === 'absent') throw new Error('site command left no site')
          return {
            status: created ? 201 : 200,
            body: next.site,
          }
        },
      }
    })
  }

  private get state(): SiteState {
    return this.commits.state
  }
}
