import { and, eq, lt } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { SQLiteColumn, SQLiteTable, SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core'
import type { LoggedEvent, SitewireEventBody } from '../../schema/events'
import type { ProjectionsDb } from './database'

/** One libSQL statement of a projection batch. */
export type Statement = BatchItem<'sqlite'>

/** One event of a site's log, parsed, as every projector of it is given it. */
export interface ProjectedEvent {
  db: ProjectionsDb
  siteId: string
  tenantId: string
  event: LoggedEvent
  body: SitewireEventBody
  seq: number
  /** The event's time in UTC: producers may give any RFC 3339 offset, and the history sorts and filters by time. */
  time: string
}

/** The statement that projects an event it knows, applying once however often it runs; none for the others. */
export type EventProjector = (projected: ProjectedEvent) => Statement | undefined

export const projectedEvent = (
  db: ProjectionsDb,
  siteId: string,
  tenantId: string,
  event: LoggedEvent,
  body: SitewireEventBody,
): ProjectedEvent => {
  let time: string | undefined
  return {
    db,
    siteId,
    tenantId,
    event,
    body,
    seq: event.seq,
    // Taken on first use: the site's and agents' rows keep the time as the event gives it.
    get time() {
      time ??= new Date(event.time).toISOString()
      return time
    },
  }
}

/** A projection table whose rows remember the last event that changed them. */
type SeqTable = SQLiteTable & { id: SQLiteColumn; lastSeq: SQLiteColumn }

/** Changes row `id` once: the change records the event's `seq`, and skips a row that has seen it. */
export const updateOnce = <T extends SeqTable>(
  db: ProjectionsDb,
  seq: number,
  table: T,
  id: string,
  changes: SQLiteUpdateSetSource<T>,
) =>
  db
    .update(table)
    .set({ ...changes, lastSeq: seq } as SQLiteUpdateSetSource<T>)
    .where(and(eq(table.id, id), lt(table.lastSeq, seq)))
