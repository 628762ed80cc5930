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
