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
    agentApproval: text('agent_approval', { enum: ['automatic', 'required'] }).notNull(),
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

/** The inventory of hosts: every agent of every site, with its latest facts. */
export const agents = sqliteTable(
  'agents',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    hostname: text('hostname').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'rejected', 'revoked'] }).notNull(),
    presence: text('presence', { enum: ['online', 'offline'] }).notNull(),
    version: text('version'),
    osFamily: text('os_family'),
    osDistribution: text('os_distribution'),
    osVersion: text('os_version'),
    arch: text('arch'),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    facts: text('facts', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    enrolledAt: text('enrolled_at').notNull(),
    lastSeenAt: text('last_seen_at'),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [
    index('agents_tenant_site').on(t.tenantId, t.siteId, t.id),
    index('agents_tenant_os').on(t.tenantId, t.osFamily),
  ],
)

/** How far each site's log has been projected; written in the same transaction as the rows. */
export const projectionCursors = sqliteTable('projection_cursors', {
  siteId: text('site_id').primaryKey(),
  seq: integer('seq').notNull(),
})
