import * as v from 'valibot'
import { EventType, type LoggedEvent, ProjectionQuarantined, ProjectionReleased } from '../../schema/events'

interface QuarantineRow extends Record<string, SqlStorageValue> {
  seq: number
  error: string
  quarantined_at: string
}

/**
 * The events the projector set aside, as `io.sitewire.projection.quarantined` and `….released`
 * left them; applied in the same transaction as those events.
 */
export class ProjectionQuarantine {
  constructor(private readonly sql: SqlStorage) {}

  apply(event: LoggedEvent) {
    if (event.type === EventType.projectionQuarantined) {
      const data = v.parse(ProjectionQuarantined, event.data)
      this.sql.exec(
        'INSERT OR REPLACE INTO projection_quarantine (seq, error, quarantined_at) VALUES (?, ?, ?)',
        data.seq,
        data.error,
        event.time,
      )
    } else if (event.type === EventType.projectionReleased) {
      const { seqs } = v.parse(ProjectionReleased, event.data)
      this.sql.exec(
        'DELETE FROM projection_quarantine WHERE seq IN (SELECT value FROM json_each(?))',
        JSON.stringify(seqs),
      )
    }
  }

  /** Every quarantined event, oldest first. */
  list(): QuarantineRow[] {
    return this.sql
      .exec<QuarantineRow>('SELECT seq, error, quarantined_at FROM projection_quarantine ORDER BY seq')
      .toArray()
  }

  seqs(): Set<number> {
    return new Set(
      this.sql
        .exec<{ seq: number }>('SELECT seq FROM projection_quarantine')
        .toArray()
        .map((row) => row.seq),
    )
  }

  summary(): { count: number; first: { seq: number; error: string } | null } {
    const first = this.sql
      .exec<QuarantineRow>('SELECT seq, error FROM projection_quarantine ORDER BY seq LIMIT 1')
      .toArray()[0]
    const { count } = this.sql
      .exec<{ count: number }>('SELECT count(*) AS count FROM projection_quarantine')
      .one()
    return { count, first: first ? { seq: first.seq, error: first.error } : null }
  }
}
