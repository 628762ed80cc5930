import { type AppendableEvent, type CloudEvent, EventType, type LoggedEvent } from '../../schema/events'
import { fromBase64, toBase64 } from '../lib/base64'

/** What the log did with one appended event. */
export interface AppendedEvent {
  id: string
  source: string
  seq: number
  duplicate: boolean
  /** The event as stored, present only when it was new. */
  event?: LoggedEvent
}

interface EventRow extends Record<string, SqlStorageValue> {
  seq: number
  body: string
  data: ArrayBuffer | null
}

/** A row read for the projection: the body only of events other than step output. */
interface EnvelopeRow extends Record<string, SqlStorageValue> {
  seq: number
  body: string | null
  data: ArrayBuffer | null
  id: string
  source: string
  type: string
  subject: string | null
  time: string
}

const COLUMNS = 'seq, body, data'

/** A stored row as the JSON event format has it: binary data as `data_base64`. */
const toLoggedEvent = (row: EventRow): LoggedEvent => {
  const event = JSON.parse(row.body) as CloudEvent
  return (
    row.data === null
      ? { ...event, seq: row.seq }
      : { ...event, data_base64: toBase64(new Uint8Array(row.data)), seq: row.seq }
  ) as LoggedEvent
}

/** An event without its data, as a reader that skips step output gets an output event. */
export const envelopeOf = (event: {
  seq: number
  id: string
  source: string
  type: string
  subject?: string | null | undefined
  time: string
}): LoggedEvent =>
  ({
    specversion: '1.0',
    id: event.id,
    source: event.source,
    type: event.type,
    ...(event.subject == null ? {} : { subject: event.subject }),
    time: event.time,
    seq: event.seq,
  }) as LoggedEvent

/**
 * The site's append-only log in the object's SQLite. `seq` is gap-free because it is
 * assigned here, in the object's single thread, inside the caller's transaction; an event
 * whose (source, id) is already stored keeps its first `seq` and is not stored again.
 * The one exception to "append-only": an event may let earlier ones go (a feature's `prunes`
 * says which; an archived run's output chunks go with the `io.sitewire.run.archived` event that
 * records where they went), leaving holes in `seq` below it. Readers page by the `seq` of what they read, never by counting, and the
 * head is never such a chunk, so it never moves back.
 */
export class EventLog {
  #head: number

  constructor(private readonly sql: SqlStorage) {
    this.#head = this.readHead()
  }

  get head() {
    return this.#head
  }

  /**
   * Deletes the events of `subject` and `type` stored before `beforeSeq`, inside the transaction
   * that stores the event letting them go, so the log and wherever they went never both hold,
   * or both miss, them.
   */
  prune(subject: string, type: string, beforeSeq: number) {
    this.sql.exec('DELETE FROM events WHERE subject = ? AND type = ? AND seq < ?', subject, type, beforeSeq)
  }

  /** Appends events in order. Call it inside `transactionSync`, and `reload` if that throws. */
  append(events: readonly AppendableEvent[], recordedAt: string): AppendedEvent[] {
    return events.map(({ data, data_base64, ...input }) => {
      const seq = this.#head + 1
      const bytes =
        data instanceof Uint8Array ? data : typeof data_base64 === 'string' ? fromBase64(data_base64) : null
      const stored = {
        ...input,
        time: input.time ?? recordedAt,
        ...(bytes || data === undefined ? {} : { data }),
      }
      // One statement for a new event, the common case; only a repeat costs a second, to read its seq.
      const written = this.sql.exec(
        `INSERT INTO events (seq, id, source, type, subject, time, body, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source, id) DO NOTHING`,
        seq,
        stored.id,
        stored.source,
        stored.type,
        stored.subject ?? null,
        stored.time,
        JSON.stringify(stored),
        bytes,
      ).rowsWritten
      if (written === 0) {
        const existing = this.sql
          .exec<{ seq: number }>('SELECT seq FROM events WHERE source = ? AND id = ?', input.source, input.id)
          .one()
        return { id: input.id, source: input.source, seq: existing.seq, duplicate: true }
      }
      this.#head = seq
      const event = bytes ? { ...stored, data_base64: toBase64(bytes), seq } : { ...stored, seq }
      return { id: input.id, source: input.source, seq, duplicate: false, event }
    })
  }

  /** Re-reads the head after a rolled-back transaction. */
  reload() {
    this.#head = this.readHead()
  }

  /** Events after `after`, oldest first, optionally of one type. */
  read(after: number, limit: number, type?: string): LoggedEvent[] {
    const rows = type
      ? this.sql.exec<EventRow>(
          `SELECT ${COLUMNS} FROM events WHERE type = ? AND seq > ? ORDER BY seq LIMIT ?`,
          type,
          after,
          limit,
        )
      : this.sql.exec<EventRow>(
          `SELECT ${COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
          after,
          limit,
        )
    return rows.toArray().map(toLoggedEvent)
  }

  /**
   * Events after `after`, oldest first, for a reader that skips step output (the projection):
   * output events come with their envelope only, so their bodies, most of a busy log, are
   * neither read nor parsed.
   */
  readWithoutOutput(after: number, limit: number): LoggedEvent[] {
    return this.sql
      .exec<EnvelopeRow>(
        `SELECT seq, CASE WHEN type = ? THEN NULL ELSE body END AS body, data, id, source, type, subject, time
         FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
        EventType.stepOutput,
        after,
        limit,
      )
      .toArray()
      .map((row) =>
        row.body === null ? envelopeOf(row) : toLoggedEvent({ seq: row.seq, body: row.body, data: row.data }),
      )
  }

  /** Events about one subject, of one type, after `after`, oldest first. */
  readSubject(subject: string, type: string, after: number, limit: number): LoggedEvent[] {
    return this.sql
      .exec<EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE subject = ? AND type = ? AND seq > ? ORDER BY seq LIMIT ?`,
        subject,
        type,
        after,
        limit,
      )
      .toArray()
      .map(toLoggedEvent)
  }

  /** Every event about one subject, oldest first: an entity's history (the index on subject serves it). */
  readHistory(subject: string, after: number, limit: number): LoggedEvent[] {
    return this.sql
      .exec<EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE subject = ? AND seq > ? ORDER BY seq LIMIT ?`,
        subject,
        after,
        limit,
      )
      .toArray()
      .map(toLoggedEvent)
  }

  /** The `seq`s of the events about one subject, of one type, oldest first: their bodies are not read. */
  seqsOf(subject: string, type: string): number[] {
    return this.sql
      .exec<{ seq: number }>(
        'SELECT seq FROM events WHERE subject = ? AND type = ? ORDER BY seq',
        subject,
        type,
      )
      .toArray()
      .map((row) => row.seq)
  }

  /** The events with these `seq`s that are still stored, oldest first. */
  readSeqs(seqs: readonly number[]): LoggedEvent[] {
    return this.sql
      .exec<EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq`,
        JSON.stringify(seqs),
      )
      .toArray()
      .map(toLoggedEvent)
  }

  /** How many events about one subject, of one type, are stored, and the last one's `seq` (0 if none). */
  countSubject(subject: string, type: string): { count: number; last: number } {
    const row = this.sql
      .exec<{ count: number; last: number | null }>(
        'SELECT count(*) AS count, max(seq) AS last FROM events WHERE subject = ? AND type = ?',
        subject,
        type,
      )
      .one()
    return { count: row.count, last: row.last ?? 0 }
  }

  /** Every event of the given types, oldest first: the history a decider folds. */
  readTypes(prefix: string): LoggedEvent[] {
    return this.sql
      .exec<EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE type >= ? AND type < ? || '~' ORDER BY seq`,
        prefix,
        prefix,
      )
      .toArray()
      .map(toLoggedEvent)
  }

  private readHead() {
    return this.sql.exec<{ head: number | null }>('SELECT max(seq) AS head FROM events').one().head ?? 0
  }
}
