import type { AppendResult } from '../../schema/api/events'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import type { AppendableEvent } from '../../schema/events'
import { actorOf, type Caller, type WriteContext } from '../auth/caller'
import type { Reply } from '../lib/idempotency'
import { APPEND_AUDIT_ACTION } from './audit-outbox'
import type { CommitPath } from './commit-path'
import type { EventLog } from './event-log'
import { decideSite, requireActive, type SiteCommand, type SiteState } from './site-decider'
import { toCloudEvent } from './sitewire-event'

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
   * Appends external CloudEvents as they are; the Worker has validated them. The append's audit
   * entry is stored with the events and forwarded to the tenant after the answer.
   */
  append(events: AppendableEvent[], write: WriteContext): Reply<AppendResult> {
    const site = this.visibleSite(write.caller)
    requireActive(this.state)
    const audit = {
      actor: write.caller.actor,
      action: APPEND_AUDIT_ACTION,
      object: { type: 'site', id: site.id },
      site_id: site.id,
      address: write.caller.address,
      details: null,
    }
    return this.commits.commit<AppendResult>(
      write.idempotency,
      () => ({
        events,
        reply: (appended) => ({
          status: appended.some((a) => !a.duplicate) ? 201 : 200,
          body: {
            items: appended.map(({ id, source, seq, duplicate }) => ({ id, source, seq, duplicate })),
            head_seq: this.log.head,
          },
        }),
      }),
      audit,
    )
  }

  /** A command on the site itself, decided by the site decider. */
  run(command: SiteCommand, write: WriteContext): Reply<Site> {
    return this.commits.commit<Site>(write.idempotency, (time) => {
      const siteId = command.type === 'create' ? command.siteId : this.visibleSite(write.caller).id
      const at = { siteId, subject: siteId, actor: actorOf(write), time }
      return {
        events: decideSite(this.state, command).map((body) => toCloudEvent(body, at)),
        reply: (_appended, next) => {
          if (next.status === 'absent') throw new Error('site command left no site')
          return {
            status: command.type === 'create' && this.state.status === 'absent' ? 201 : 200,
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
