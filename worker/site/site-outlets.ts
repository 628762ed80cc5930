import { EventType } from '../../schema/events'
import type { Env } from '../env'
import type { AlarmScheduler } from '../lib/alarm-scheduler'
import { tenantOf } from '../objects'
import { openProjections } from '../projections/database'
import { AuditOutbox } from './audit-outbox'
import type { CommitPath } from './commit-path'
import type { EventLog } from './event-log'
import type { ProjectionQuarantine } from './projection-quarantine'
import { Projector } from './projector'
import type { RecentEvents } from './recent-events'
import type { SiteState } from './site-decider'

/**
 * Where a site's log goes beside the object: its projection into libSQL, and its writes' audit
 * entries to the tenant's trail. Each retries from the alarm when the other side is away.
 */
interface Outlets {
  state: () => SiteState
  /** The alarms, which exist only once the object started: asked for when a retry is due. */
  alarms: () => AlarmScheduler
}

/** The projector of a site's log; the events it cannot project are quarantined, and released, by commits of their own. */
export const siteProjector = (
  env: Env,
  parts: Outlets & {
    log: EventLog
    recent: RecentEvents
    quarantine: ProjectionQuarantine
    commits: CommitPath
  },
) =>
  new Projector(openProjections(env), {
    site: () => {
      const state = parts.state()
      return state.status === 'absent' ? undefined : { siteId: state.site.id, tenantId: state.site.tenant_id }
    },
    head: () => parts.log.head,
    read: (after, limit) => parts.recent.read(after, limit) ?? parts.log.readWithoutOutput(after, limit),
    retryAt: (at) => parts.alarms().wakeAt(at),
    quarantined: () => parts.quarantine.seqs(),
    quarantine: (events) =>
      parts.commits.record(
        events.map(({ seq, error, event }) => ({
          type: EventType.projectionQuarantined,
          data: { seq, event_id: event.id, event_type: event.type, error },
        })),
        'system/projector',
      ),
    release: (seqs) =>
      parts.commits.record(
        [{ type: EventType.projectionReleased, data: { seqs: [...seqs] } }],
        'system/projector',
      ),
  })

/** Forwards the audit entries of a site's writes to its tenant's trail. */
export const siteAuditOutbox = (
  sql: SqlStorage,
  parts: Outlets & { env: Env; fault: (error: unknown) => void },
) =>
  new AuditOutbox(sql, {
    send: async (entries) => {
      const state = parts.state()
      if (state.status === 'absent') throw new Error('audit entries in a site that does not exist')
      await tenantOf(parts.env, state.site.tenant_id).importAudit(entries)
    },
    retryAt: (at) => parts.alarms().wakeAt(at),
    fault: parts.fault,
  })
