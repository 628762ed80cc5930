import { and, eq, lt, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { consumers, resourceStatus, resources } from '../../schema/db/projections'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { ProjectionsDb } from './database'

type Statement = BatchItem<'sqlite'>

/**
 * The tenant-wide consumer, resource and status rows, as the site's resource book folds the
 * same events. Each statement applies once: inserts ignore a row that is there, changes need
 * an older `last_seq`, and a status report needs a higher report number than the stored one.
 */
export const projectResourceEvent = (
  db: ProjectionsDb,
  siteId: string,
  tenantId: string,
  event: LoggedEvent,
  body: SitewireEventBody,
): Statement | undefined => {
  const seq = event.seq
  const time = new Date(event.time).toISOString()
  const newer = (resourceId: string) => and(eq(resources.id, resourceId), lt(resources.lastSeq, seq))
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
      return db
        .update(consumers)
        .set({ deletedAt: time, lastSeq: seq })
        .where(and(eq(consumers.id, body.data.consumer_id), lt(consumers.lastSeq, seq)))
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
      return db
        .update(resources)
        .set({
          version: body.data.version,
          name: body.data.spec.name,
          spec: body.data.spec,
          updatedAt: time,
          lastSeq: seq,
        })
        .where(newer(body.data.resource_id))
    case EventType.resourceDeleteRequested:
      return db
        .update(resources)
        .set({ deleteRequestedAt: time, updatedAt: time, lastSeq: seq })
        .where(newer(body.data.resource_id))
    case EventType.resourceDeleted:
      return db
        .update(resources)
        .set({ deletedAt: time, updatedAt: time, lastSeq: seq })
        .where(newer(body.data.resource_id))
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
