import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'libsql'
import type { AppendTarget } from './append-scenarios'
import type { EventFactory } from './bench-events'

export type Synchronous = 'NORMAL' | 'FULL'

/**
 * The machine's limit: the log's own table, indexes and statements (duplicate check, then
 * insert) on a plain SQLite file from Node, one transaction per append. What Sitewire adds
 * on top of this is HTTP, the Worker, two Durable Object calls and validation.
 */
export const openSqliteLimit = (events: EventFactory, synchronous: Synchronous) => {
  const dir = mkdtempSync(join(tmpdir(), 'sitewire-bench-sqlite-'))
  const db = new Database(join(dir, 'log.db'))
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.exec(`
    CREATE TABLE events (
      seq INTEGER PRIMARY KEY NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL,
      subject TEXT, time TEXT NOT NULL, body TEXT NOT NULL);
    CREATE UNIQUE INDEX events_source_id ON events (source, id);
    CREATE INDEX events_type_seq ON events (type, seq);`)
  const existing = db.prepare('SELECT seq FROM events WHERE source = ? AND id = ?')
  const insert = db.prepare(
    'INSERT INTO events (seq, id, source, type, subject, time, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  let head = 0

  const append = (size: number) => {
    const batch = events.batch(size)
    const time = new Date().toISOString()
    db.exec('BEGIN IMMEDIATE')
    try {
      for (const event of batch) {
        if (existing.get(event.source, event.id)) continue
        head += 1
        const stored = { ...event, time }
        insert.run(head, stored.id, stored.source, stored.type, null, stored.time, JSON.stringify(stored))
      }
      db.exec('COMMIT')
    } catch (error) {
      db.exec('ROLLBACK')
      throw error
    }
  }

  const target: AppendTarget = {
    system: 'sqlite',
    variant: `WAL, synchronous=${synchronous}`,
    appendOne: async () => append(1),
    appendBatch: async (size) => append(size),
    watch: {},
  }
  return {
    target,
    close() {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
