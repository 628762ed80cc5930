import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** The Site object's own SQLite: its append-only event log and what makes writes repeatable. */

export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    source: text('source').notNull(),
    type: text('type').notNull(),
    subject: text('subject'),
    time: text('time').notNull(),
    /** The whole CloudEvent as JSON, without `seq`. */
    body: text('body').notNull(),
  },
  (t) => [uniqueIndex('events_source_id').on(t.source, t.id), index('events_type_seq').on(t.type, t.seq)],
)

/** The first answer to each `Idempotency-Key`, replayed on repeats. */
export const idempotency = sqliteTable('idempotency', {
  key: text('key').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  status: integer('status').notNull(),
  body: text('body').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
})

/** Enrolment tokens of the site: their state, never the token (it is a JWT the site signed). */
export const enrolmentTokens = sqliteTable('enrolment_tokens', {
  id: text('id').primaryKey(),
  createdAt: text('created_at').notNull(),
  expiresAt: text('expires_at').notNull(),
  maxUses: integer('max_uses').notNull(),
  uses: integer('uses').notNull(),
  labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  revokedAt: text('revoked_at'),
})

/** The site's agents as their events left them; kept in the same transaction as those events. */
export const agents = sqliteTable('agents', {
  id: text('id').primaryKey(),
  publicKey: text('public_key').notNull(),
  hostname: text('hostname').notNull(),
  labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  status: text('status', { enum: ['pending', 'approved', 'rejected', 'revoked'] }).notNull(),
  presence: text('presence', { enum: ['online', 'offline'] }).notNull(),
  version: text('version'),
  facts: text('facts', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  enrolledAt: text('enrolled_at').notNull(),
  lastSeenAt: text('last_seen_at'),
})
