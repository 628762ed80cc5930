import { lt, sql } from 'drizzle-orm'
import { consumers, resourceStatus, resources } from '../../schema/db/projections'
import { EventType } from '../../schema/events'
import { type EventProjector, updateOnce } from './projected-event'

/**
 * The tenant-wide consumer, resource and status rows, as the site's resource book folds the
 * same events. Each statement applies once: inserts ignore a row that is there, changes need
 * an older `last_seq`, and a status report needs a higher report number than the stored one.
 */
export const projectResourceEvent: EventProjector = ({ db, siteId, tenantId, seq, time, body }) => {
  switch (body.type) {
    case EventType.consumerCreated: {
      const { consumer_id, name, agent_id, selector, labels } = body.data
      return db
        .insert(consumers)
        .values({
          id: consumer_id,
          siteId,
          tenantId,
          name,
          agentId: agent_id,
          selector,
          labels,
          createdAt: time,
          lastSeq: seq,
        })
        .onConflictDoNothing()
    }
    case EventType.consumerDeleted:
      return updateOnce(db, seq, consumers, body.data.consumer_id, { deletedAt: time })
    case EventType.resourceCreated:
      return db
        .insert(resources)
        .values({
          id: body.data.resource_id,
          siteId,
          tenantId,
          consumerId: body.data.consumer_id,
          type: body.data.spec.type,
          name: body.data.spec.name,
          version: body.data.version,
          spec: body.data.spec,
          createdAt: time,
          updatedAt: time,
          lastSeq: seq,
        })
        .onConflictDoNothing()
    case EventType.resourceUpdated:
      return updateOnce(db, seq, resources, body.data.resource_id, {
        version: body.data.version,
        name: body.data.spec.name,
        spec: body.data.spec,
        updatedAt: time,
      })
    case EventType.resourceDeleteRequested:
      return updateOnce(db, seq, resources, body.data.resource_id, {
        deleteRequestedAt: time,
        updatedAt: time,
      })
    case EventType.resourceDeleted:
      return updateOnce(db, seq, resources, body.data.resource_id, { deletedAt: time, updatedAt: time })
    case EventType.resourceStatusReported: {
      const d = body.data
      const row = {
        report: d.report,
        observedVersion: d.observed_version,
        conditions: d.conditions,
        feedback: d.feedback,
        manifests: d.manifests ?? null,
        deleted: d.deleted,
        reportedAt: time,
      }
      return db
        .insert(resourceStatus)
        .values({ resourceId: d.resource_id, agentId: d.agent_id, siteId, tenantId, ...row })
        .onConflictDoUpdate({
          target: [resourceStatus.resourceId, resourceStatus.agentId],
          set: {
            report: sql`excluded.report`,
            observedVersion: sql`excluded.observed_version`,
            conditions: sql`excluded.conditions`,
            feedback: sql`excluded.feedback`,
            manifests: sql`excluded.manifests`,
            deleted: sql`excluded.deleted`,
            reportedAt: sql`excluded.reported_at`,
          },
          setWhere: lt(resourceStatus.report, d.report),
        })
    }
    default:
      return undefined
  }
}
