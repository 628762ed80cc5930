import { eq, type SQL, sql } from 'drizzle-orm'
import * as v from 'valibot'
import {
  agents,
  alerts,
  consumers,
  inventoryEntities,
  inventoryGrants,
  inventoryRelations,
  projectionCursors,
  resourceStatus,
  resources,
  runSteps,
  runs,
  siteEvents,
  sites,
  tasks,
} from '../../schema/db/projections'
import {
  AGENT_STATUS_AFTER,
  EventType,
  type LoggedEvent,
  RESERVED_TYPE_PREFIX,
  SitewireEventBody,
  toUtcIso,
} from '../../schema/events'
import type { AgentFactsReported } from '../../schema/events/agent'
import { errorMessage } from '../lib/log'
import { projectAlertEvent } from './alert-projection'
import type { ProjectionsDb } from './database'
import { projectInventoryEvent } from './inventory-projection'
import { type EventProjector, projectedEvent, type Statement, updateOnce } from './projected-event'
import { projectResourceEvent } from './resource-projection'
import { projectRunEvent } from './run-projection'

/** An event the projector could not turn into statements, and why. */
export interface RejectedEvent {
  seq: number
  error: string
}

/**
 * The libSQL statements that project a batch of one site's events, beginning with the cursor
 * at the batch's last event. Every statement is safe to repeat: a replayed batch changes
 * nothing twice. An event whose statements cannot be built is left out and reported, so one
 * event can never hold back the rest.
 */
export const projectSiteEvents = (
  db: ProjectionsDb,
  siteId: string,
  tenantId: string,
  events: readonly LoggedEvent[],
): { statements: [Statement, ...Statement[]]; rejected: RejectedEvent[] } => {
  const indexRows: IndexRow[] = []
  const rows: Statement[] = []
  const rejected: RejectedEvent[] = []
  for (const event of events) {
    try {
      // Step output is left out of the index: its chunks are many, and the site prunes them from
      // its log once the run is archived, so they must not live on here (nor differ after a rebuild).
      // They project nothing either, and are most of a busy site's events: skip them unparsed.
      if (event.type === EventType.stepOutput) continue
      indexRows.push(indexRow(event))
      const row = projectRow(db, siteId, tenantId, event)
      if (row) rows.push(row)
    } catch (error) {
      rejected.push({ seq: event.seq, error: errorMessage(error) })
    }
  }
  const index = indexRows.length > 0 ? [insertIndexRows(db, siteId, tenantId, indexRows)] : []
  return { statements: [cursorAt(db, siteId, events.at(-1)?.seq ?? 0), ...index, ...rows], rejected }
}

/** Moves the site's cursor forward to `seq` (never back). */
export const cursorAt = (db: ProjectionsDb, siteId: string, seq: number): Statement =>
  db
    .insert(projectionCursors)
    .values({ siteId, seq })
    .onConflictDoUpdate({
      target: projectionCursors.siteId,
      set: { seq: sql`max(${projectionCursors.seq}, excluded.seq)` },
    })

/** One event's row of the index, as a JSON array in the order `insertIndexRows` reads it. */
type IndexRow = [seq: number, id: string, source: string, type: string, subject: string | null, time: string]

const indexRow = (event: LoggedEvent): IndexRow => [
  event.seq,
  event.id,
  event.source,
  event.type,
  event.subject ?? null,
  // Producers may give any RFC 3339 offset; the index sorts by time, so it stores UTC.
  toUtcIso(event.time),
]

/**
 * The index rows of a whole batch in one statement with one bound value: libSQL unpacks the
 * JSON, so building the statement costs the Site object a `JSON.stringify`, not a bound value
 * per column per row.
 */
const insertIndexRows = (
  db: ProjectionsDb,
  siteId: string,
  tenantId: string,
  rows: IndexRow[],
): Statement => {
  const c = siteEvents
  const columns = [c.siteId, c.tenantId, c.seq, c.id, c.source, c.type, c.subject, c.time]
  return db.run(
    sql`INSERT INTO ${c} (${sql.join(
      columns.map((column) => sql.identifier(column.name)),
      sql`, `,
    )}) SELECT ${siteId}, ${tenantId}, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
      FROM json_each(${JSON.stringify(rows)}) WHERE true ON CONFLICT DO NOTHING`,
  )
}

const projectRow = (db: ProjectionsDb, siteId: string, tenantId: string, event: LoggedEvent) => {
  if (!event.type.startsWith(RESERVED_TYPE_PREFIX)) return undefined
  const parsed = v.safeParse(SitewireEventBody, { type: event.type, data: event.data })
  if (!parsed.success)
    throw new Error(`${event.type} does not match its schema: ${v.summarize(parsed.issues)}`)
  const projected = projectedEvent(db, siteId, tenantId, event, parsed.output)
  return (
    projectSiteRow(projected) ??
    projectAgentRow(projected) ??
    projectRunEvent(projected) ??
    projectAlertEvent(projected) ??
    projectResourceEvent(projected) ??
    projectInventoryEvent(projected)
  )
}

/** The `sites` row follows the site's own events; `last_seq` makes each change apply once. */
const projectSiteRow: EventProjector = ({ db, siteId, event, body }) => {
  switch (body.type) {
    case EventType.siteCreated:
      return db
        .insert(sites)
        .values({
          id: siteId,
          tenantId: body.data.tenant_id,
          name: body.data.name,
          description: body.data.description,
          labels: body.data.labels,
          timezone: body.data.timezone,
          agentApproval: body.data.agent_approval,
          retentionDays: body.data.retention_days,
          status: 'active',
          createdAt: event.time,
          updatedAt: event.time,
          archivedAt: null,
          lastSeq: event.seq,
        })
        .onConflictDoNothing()
    case EventType.siteUpdated:
      return updateOnce(db, event.seq, sites, siteId, {
        ...body.data,
        ...(body.data.agent_approval ? { agentApproval: body.data.agent_approval } : {}),
        ...(body.data.retention_days ? { retentionDays: body.data.retention_days } : {}),
        updatedAt: event.time,
      })
    case EventType.siteArchived:
      return updateOnce(db, event.seq, sites, siteId, {
        status: 'archived',
        archivedAt: event.time,
        updatedAt: event.time,
      })
    case EventType.siteRestored:
      return updateOnce(db, event.seq, sites, siteId, {
        status: 'active',
        archivedAt: null,
        updatedAt: event.time,
      })
  }
}

/** The inventory of hosts follows the agents' events; `last_seq` makes each change apply once. */
/** SQLite caps a function's arguments; a big upgrade's delta is applied in nested calls of this many pairs. */
const JSON_PAIRS_PER_CALL = 50

/** The facts with a report's package delta applied: each installed package set, each removed one gone. */
const withPackagesDelta = (facts: SQL, delta: AgentFactsReported['packages_delta']): SQL => {
  if (!delta) return facts
  const path = (name: string) => sql`${`$.packages."${name.replace(/"/g, '')}"`}`
  let merged = sql`json_set(${facts}, '$.packages', json(coalesce(json_extract(${facts}, '$.packages'), '{}')))`
  const installed = Object.entries(delta.installed)
  for (let at = 0; at < installed.length; at += JSON_PAIRS_PER_CALL) {
    const pairs = installed
      .slice(at, at + JSON_PAIRS_PER_CALL)
      .flatMap(([name, version]) => [path(name), sql`${version}`])
    merged = sql`json_set(${merged}, ${sql.join(pairs, sql`, `)})`
  }
  for (let at = 0; at < delta.removed.length; at += JSON_PAIRS_PER_CALL) {
    const paths = delta.removed.slice(at, at + JSON_PAIRS_PER_CALL).map(path)
    merged = sql`json_remove(${merged}, ${sql.join(paths, sql`, `)})`
  }
  return merged
}

const projectAgentRow: EventProjector = ({ db, siteId, tenantId, event, body }) => {
  switch (body.type) {
    case EventType.agentEnrolled:
      return db
        .insert(agents)
        .values({
          id: body.data.agent_id,
          siteId,
          tenantId,
          hostname: body.data.hostname,
          status: body.data.status,
          presence: 'offline',
          labels: body.data.labels,
          facts: {},
          enrolledAt: event.time,
          lastSeq: event.seq,
        })
        .onConflictDoNothing()
    case EventType.agentApproved:
    case EventType.agentRejected:
    case EventType.agentRevoked: {
      const status = AGENT_STATUS_AFTER
      return updateOnce(db, event.seq, agents, body.data.agent_id, { status: status[body.type] })
    }
    case EventType.agentConnected:
      return updateOnce(db, event.seq, agents, body.data.agent_id, {
        presence: 'online',
        version: body.data.version,
        lastSeenAt: event.time,
      })
    case EventType.agentDisconnected:
      return updateOnce(db, event.seq, agents, body.data.agent_id, {
        presence: 'offline',
        lastSeenAt: event.time,
      })
    case EventType.agentFactsReported: {
      // Each changed fact replaces the stored one whole; removed ones go; the os columns follow.
      const path = (name: string) => sql`${`$."${name.replace(/"/g, '')}"`}`
      const sets = Object.entries(body.data.changed).flatMap(([name, value]) => [
        path(name),
        sql`json(${JSON.stringify(value)})`,
      ])
      const withChanges =
        sets.length > 0 ? sql`json_set(${agents.facts}, ${sql.join(sets, sql`, `)})` : sql`${agents.facts}`
      const withoutRemoved =
        body.data.removed.length > 0
          ? sql`json_remove(${withChanges}, ${sql.join(body.data.removed.map(path), sql`, `)})`
          : withChanges
      const merged = withPackagesDelta(withoutRemoved, body.data.packages_delta)
      return updateOnce(db, event.seq, agents, body.data.agent_id, {
        facts: merged,
        osFamily: sql`json_extract(${merged}, '$.os.family')`,
        osDistribution: sql`json_extract(${merged}, '$.os.distribution')`,
        osVersion: sql`json_extract(${merged}, '$.os.version')`,
        arch: sql`json_extract(${merged}, '$.arch')`,
        hostname: sql`coalesce(json_extract(${merged}, '$.hostname'), ${agents.hostname})`,
        lastSeenAt: event.time,
      })
    }
    default:
      return undefined
  }
}

/** Removes everything a site's events put into the projections, cursor included. */
export const forgetSite = (db: ProjectionsDb, siteId: string): [Statement, ...Statement[]] => [
  db.delete(projectionCursors).where(eq(projectionCursors.siteId, siteId)),
  db.delete(siteEvents).where(eq(siteEvents.siteId, siteId)),
  db.delete(sites).where(eq(sites.id, siteId)),
  db.delete(inventoryEntities).where(eq(inventoryEntities.siteId, siteId)),
  db.delete(inventoryRelations).where(eq(inventoryRelations.siteId, siteId)),
  db.delete(inventoryGrants).where(eq(inventoryGrants.siteId, siteId)),
  db.delete(agents).where(eq(agents.siteId, siteId)),
  db.delete(tasks).where(eq(tasks.siteId, siteId)),
  db.delete(runs).where(eq(runs.siteId, siteId)),
  db.delete(runSteps).where(eq(runSteps.siteId, siteId)),
  db.delete(alerts).where(eq(alerts.siteId, siteId)),
  db.delete(consumers).where(eq(consumers.siteId, siteId)),
  db.delete(resources).where(eq(resources.siteId, siteId)),
  db.delete(resourceStatus).where(eq(resourceStatus.siteId, siteId)),
]
