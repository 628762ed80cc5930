import { and, desc, eq, gte, lt, lte } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { AuditEntry, AuditRecord, ListAuditQuery } from '../../schema/api/access'
import * as store from '../../schema/db/tenant-store'
import { byId, toPage } from '../lib/paging'

const nextId = monotonicFactory()
type Row = typeof store.audit.$inferSelect

const toEntry = (row: Row): AuditEntry => ({
  id: row.id,
  time: row.time.toISOString(),
  actor: { type: row.actorType, id: row.actorId },
  action: row.action,
  object: { type: row.objectType, id: row.objectId },
  site_id: row.siteId,
  address: row.address,
  status: row.status,
  details: row.details,
})

/** The tenant's audit trail: rows are only ever inserted. */
export class AuditTrail {
  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly sql: SqlStorage,
  ) {}

  record(entry: AuditRecord, now = Date.now()) {
    this.db
      .insert(store.audit)
      .values({
        id: nextId(now),
        time: new Date(now),
        actorType: entry.actor.type,
        actorId: entry.actor.id,
        action: entry.action,
        objectType: entry.object.type,
        objectId: entry.object.id,
        siteId: entry.site_id,
        address: entry.address,
        status: entry.status,
        details: entry.details,
      })
      .run()
  }

  /**
   * Stores entries made elsewhere (a site's outbox) with their own id and time; one already
   * stored is skipped. Plain SQL: building the insert with drizzle cost more than the batch.
   */
  import(entries: readonly AuditEntry[]) {
    for (const entry of entries) {
      this.sql.exec(
        `INSERT INTO audit (id, time, actor_type, actor_id, action, object_type, object_id, site_id, address, status, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        entry.id,
        Date.parse(entry.time),
        entry.actor.type,
        entry.actor.id,
        entry.action,
        entry.object.type,
        entry.object.id,
        entry.site_id,
        entry.address,
        entry.status,
        entry.details === null ? null : JSON.stringify(entry.details),
      )
    }
  }

  /** Newest first, with filters; the cursor is the last id of the previous page. */
  list(query: ListAuditQuery): { items: AuditEntry[]; next_cursor: string | null } {
    const rows = this.db
      .select()
      .from(store.audit)
      .where(
        and(
          query.cursor ? lt(store.audit.id, query.cursor) : undefined,
          query.actor_id ? eq(store.audit.actorId, query.actor_id) : undefined,
          query.action ? eq(store.audit.action, query.action) : undefined,
          query.object_id ? eq(store.audit.objectId, query.object_id) : undefined,
          query.site_id ? eq(store.audit.siteId, query.site_id) : undefined,
          query.since ? gte(store.audit.time, new Date(query.since)) : undefined,
          query.until ? lte(store.audit.time, new Date(query.until)) : undefined,
        ),
      )
      .orderBy(desc(store.audit.id))
      .limit(query.limit + 1)
      .all()
    return toPage(rows, query.limit, (page) => page.map(toEntry), byId)
  }
}
