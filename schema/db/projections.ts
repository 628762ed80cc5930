import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * libSQL read models, built from the site logs by the projector. Every row here can be
 * rebuilt by replaying the logs; nothing is written to these tables any other way.
 */

/** Each site as its log last said, for tenant-wide lists. */
export const sites = sqliteTable(
  'sites',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    timezone: text('timezone').notNull(),
    status: text('status', { enum: ['active', 'archived'] }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    archivedAt: text('archived_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [index('sites_tenant_name').on(t.tenantId, t.name, t.id)],
)

/** One row per logged event of every site: the tenant-wide event index. */
export const siteEvents = sqliteTable(
  'site_events',
  {
    siteId: text('site_id').notNull(),
    seq: integer('seq').notNull(),
    tenantId: text('tenant_id').notNull(),
    id: text('id').notNull(),
    source: text('source').notNull(),
    type: text('type').notNull(),
    subject: text('subject'),
    time: text('time').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.siteId, t.seq] }),
    index('site_events_tenant_type_time').on(t.tenantId, t.type, t.time),
    index('site_events_tenant_time').on(t.tenantId, t.time),
  ],
)

/** How far each site's log has been projected; written in the same transaction as the rows. */
export const projectionCursors = sqliteTable('projection_cursors', {
  siteId: text('site_id').primaryKey(),
  seq: integer('seq').notNull(),
})
