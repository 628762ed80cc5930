import { and, desc, eq } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent } from '../../schema/events'
import { loggedBody } from '../lib/logged-body'
import { pageAfter } from '../lib/row-pages'

export type FileRow = typeof store.files.$inferSelect
export type FetchedFileRow = typeof store.fetchedFiles.$inferSelect

/**
 * The site's files as their events left them, kept in the object's SQLite: uploaded files,
 * and the files agents fetched in runs. `apply` runs in the same transaction as the append.
 */
export class FileBook {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  apply(event: LoggedEvent) {
    const body = loggedBody(event)
    switch (body.type) {
      case EventType.fileUploaded: {
        const { file_id, name, bytes, sha256 } = body.data
        this.db
          .insert(store.files)
          .values({
            id: file_id,
            name,
            bytes,
            sha256,
            createdAt: event.time,
            createdBy: String(event.actor ?? 'unknown'),
          })
          .onConflictDoNothing()
          .run()
        return
      }
      case EventType.fileDeleted:
        this.db.delete(store.files).where(eq(store.files.id, body.data.file_id)).run()
        return
      case EventType.stepFinished: {
        const { run_id, agent_id, index, attempt, file } = body.data
        if (!file) return
        this.db
          .insert(store.fetchedFiles)
          .values({ runId: run_id, agentId: agent_id, stepIndex: index, attempt, ...file })
          .onConflictDoNothing()
          .run()
        return
      }
    }
  }

  file(fileId: string): FileRow | undefined {
    return this.db.select().from(store.files).where(eq(store.files.id, fileId)).get()
  }

  /** Files oldest first, after `cursor`: one more than `limit`, to tell whether a page follows. */
  files(limit: number, cursor: string | undefined): FileRow[] {
    return pageAfter(this.db, store.files, limit, cursor)
  }

  /** The file an agent fetched in a step, from the latest attempt that reported one. */
  fetched(runId: string, agentId: string, index: number): FetchedFileRow | undefined {
    return this.db
      .select()
      .from(store.fetchedFiles)
      .where(
        and(
          eq(store.fetchedFiles.runId, runId),
          eq(store.fetchedFiles.agentId, agentId),
          eq(store.fetchedFiles.stepIndex, index),
        ),
      )
      .orderBy(desc(store.fetchedFiles.attempt))
      .limit(1)
      .get()
  }
}
