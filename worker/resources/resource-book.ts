import { and, asc, count, desc, eq, gt, isNull, lt, or, type SQL, sql } from 'drizzle-orm'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { ResourceType } from '../../schema/resources/resource'
import { loggedBody } from '../lib/logged-body'
import { livePage, liveRow } from '../lib/row-pages'
import { updateRow } from '../lib/update-row'
import type { SiteDatabase } from '../site/feature'

export type ConsumerRow = typeof store.consumers.$inferSelect
export type ResourceRow = typeof store.resources.$inferSelect
export type ResourceStatusRow = typeof store.resourceStatus.$inferSelect
export type StatusHistoryRow = typeof store.resourceStatusHistory.$inferSelect

/** The site's consumers, resources and their status as the events left them; `apply` runs inside the commit. */
export class ResourceBook {
  constructor(private readonly db: SiteDatabase) {}

  apply(event: LoggedEvent) {
    const body = loggedBody(event)
    switch (body.type) {
      case EventType.consumerCreated: {
        const { consumer_id, name, agent_id, selector, labels } = body.data
        this.db
          .insert(store.consumers)
          .values({ id: consumer_id, name, agentId: agent_id, selector, labels, createdAt: event.time })
          .run()
        return
      }
      case EventType.consumerDeleted:
        updateRow(this.db, store.consumers, body.data.consumer_id, { deletedAt: event.time })
        return
      case EventType.resourceCreated:
      case EventType.resourceUpdated: {
        const { resource_id, consumer_id, version, spec } = body.data
        this.db
          .insert(store.resources)
          .values({
            id: resource_id,
            consumerId: consumer_id,
            version,
            spec,
            createdAt: event.time,
            updatedAt: event.time,
          })
          .onConflictDoUpdate({ target: store.resources.id, set: { version, spec, updatedAt: event.time } })
          .run()
        return
      }
      case EventType.resourceDeleteRequested:
        updateRow(this.db, store.resources, body.data.resource_id, {
          deleteRequestedAt: event.time,
          updatedAt: event.time,
        })
        return
      case EventType.resourceDeleted:
        updateRow(this.db, store.resources, body.data.resource_id, {
          deletedAt: event.time,
          updatedAt: event.time,
        })
        return
      case EventType.resourceStatusReported:
        this.report(event, body.data)
        return
    }
  }

  /** A report counts only when it is the agent's latest of this resource: a late one changes nothing. */
  private report(
    event: LoggedEvent,
    data: Extract<SitewireEventBody, { type: 'io.sitewire.resource.status_reported' }>['data'],
  ) {
    const known = this.status(data.resource_id, data.agent_id)
    if (known && known.report >= data.report) return
    const row = {
      observedVersion: data.observed_version,
      conditions: data.conditions,
      feedback: data.feedback,
      manifests: data.manifests ?? null,
      deleted: data.deleted,
      reportedAt: event.time,
    }
    this.db
      .insert(store.resourceStatus)
      .values({ resourceId: data.resource_id, agentId: data.agent_id, report: data.report, ...row })
      .onConflictDoUpdate({
        target: [store.resourceStatus.resourceId, store.resourceStatus.agentId],
        set: { report: data.report, ...row },
      })
      .run()
    this.db
      .insert(store.resourceStatusHistory)
      .values({ seq: event.seq, resourceId: data.resource_id, agentId: data.agent_id, ...row })
      .run()
  }

  consumer(id: string): ConsumerRow | undefined {
    return liveRow(this.db, store.consumers, id)
  }

  consumerNamed(name: string): ConsumerRow | undefined {
    return this.db
      .select()
      .from(store.consumers)
      .where(and(eq(store.consumers.name, name), isNull(store.consumers.deletedAt)))
      .get()
  }

  /** Live consumers, oldest first, after `cursor`; `limit + 1` rows so a page knows whether more follow. */
  consumers(limit: number, cursor: string | undefined): ConsumerRow[] {
    return livePage(this.db, store.consumers, limit, cursor)
  }

  /** The consumers that may name this agent: its own, and every selector. */
  consumersFor(agentId: string): ConsumerRow[] {
    const c = store.consumers
    return this.db
      .select()
      .from(c)
      .where(and(isNull(c.deletedAt), or(eq(c.agentId, agentId), isNull(c.agentId))))
      .all()
  }

  /** A resource not yet deleted (it may be deleting). */
  resource(id: string): ResourceRow | undefined {
    return liveRow(this.db, store.resources, id)
  }

  /** A resource, deleted or not: what agents held of it until now. */
  anyResource(id: string): ResourceRow | undefined {
    return this.db.select().from(store.resources).where(eq(store.resources.id, id)).get()
  }

  /** Live resources of a type, oldest first, optionally of one consumer. */
  resources(
    type: ResourceType,
    query: { limit: number; cursor?: string | undefined; consumerId?: string | undefined },
  ): ResourceRow[] {
    return this.db
      .select()
      .from(store.resources)
      .where(
        and(
          isNull(store.resources.deletedAt),
          sql`json_extract(${store.resources.spec}, '$.type') = ${type}`,
          query.consumerId === undefined ? undefined : eq(store.resources.consumerId, query.consumerId),
          query.cursor === undefined ? undefined : gt(store.resources.id, query.cursor),
        ),
      )
      .orderBy(asc(store.resources.id))
      .limit(query.limit + 1)
      .all()
  }

  /** A page of live resources of a type by offset, and how many match: maestro's lists. */
  resourcePage(
    type: ResourceType,
    filter: { consumerId?: string; name?: string; id?: string },
    offset: number,
    limit: number,
  ): { rows: ResourceRow[]; total: number } {
    const where = and(
      isNull(store.resources.deletedAt),
      sql`json_extract(${store.resources.spec}, '$.type') = ${type}`,
      filter.consumerId === undefined ? undefined : eq(store.resources.consumerId, filter.consumerId),
      filter.name === undefined
        ? undefined
        : sql`json_extract(${store.resources.spec}, '$.name') = ${filter.name}`,
      filter.id === undefined ? undefined : eq(store.resources.id, filter.id),
    )
    return this.paged(store.resources, where, offset, limit)
  }

  /** A page of live consumers by offset, and how many match. */
  consumerPage(filter: { name?: string; id?: string }, offset: number, limit: number) {
    const where = and(
      isNull(store.consumers.deletedAt),
      filter.name === undefined ? undefined : eq(store.consumers.name, filter.name),
      filter.id === undefined ? undefined : eq(store.consumers.id, filter.id),
    )
    return this.paged(store.consumers, where, offset, limit)
  }

  private paged<T extends typeof store.resources | typeof store.consumers>(
    table: T,
    where: SQL | undefined,
    offset: number,
    limit: number,
  ): { rows: T['$inferSelect'][]; total: number } {
    const total = this.db.select({ total: count() }).from(table).where(where).get()?.total ?? 0
    const rows = this.db
      .select()
      .from(table)
      .where(where)
      .orderBy(asc(table.id))
      .limit(limit)
      .offset(offset)
      .all()
    return { rows: rows as T['$inferSelect'][], total }
  }

  /** Every live resource (single or bundle) of a consumer. */
  resourcesOf(consumerId: string): ResourceRow[] {
    return this.db
      .select()
      .from(store.resources)
      .where(and(eq(store.resources.consumerId, consumerId), isNull(store.resources.deletedAt)))
      .orderBy(asc(store.resources.id))
      .all()
  }

  status(resourceId: string, agentId: string): ResourceStatusRow | undefined {
    return this.db
      .select()
      .from(store.resourceStatus)
      .where(and(eq(store.resourceStatus.resourceId, resourceId), eq(store.resourceStatus.agentId, agentId)))
      .get()
  }

  statuses(resourceId: string): ResourceStatusRow[] {
    return this.db
      .select()
      .from(store.resourceStatus)
      .where(eq(store.resourceStatus.resourceId, resourceId))
      .orderBy(asc(store.resourceStatus.agentId))
      .all()
  }

  /** The resources an agent reported on, by id. */
  resourcesReportedBy(agentId: string): string[] {
    return this.db
      .select({ resourceId: store.resourceStatus.resourceId })
      .from(store.resourceStatus)
      .where(eq(store.resourceStatus.agentId, agentId))
      .all()
      .map((row) => row.resourceId)
  }

  /** A resource's reports, newest first, before the `cursor` seq. */
  history(resourceId: string, limit: number, cursor: number | undefined): StatusHistoryRow[] {
    return this.db
      .select()
      .from(store.resourceStatusHistory)
      .where(
        and(
          eq(store.resourceStatusHistory.resourceId, resourceId),
          cursor === undefined ? undefined : lt(store.resourceStatusHistory.seq, cursor),
        ),
      )
      .orderBy(desc(store.resourceStatusHistory.seq))
      .limit(limit + 1)
      .all()
  }
}
