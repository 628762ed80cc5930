import { and, asc, desc, eq, isNull } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent } from '../../schema/events'
import type { TaskDefinition } from '../../schema/tasks/task'
import { loggedBody } from '../lib/logged-body'
import { updateRow } from '../lib/update-row'

export type TaskRow = typeof store.tasks.$inferSelect

/** A site's tasks and every version of each, folded from the log into the object's SQLite. */
export class TaskBook {
  private readonly definitions = new Map<string, TaskDefinition>()

  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  apply(event: LoggedEvent) {
    const body = loggedBody(event)
    switch (body.type) {
      case EventType.taskCreated:
      case EventType.taskUpdated: {
        const { task_id, version, definition } = body.data
        this.db
          .insert(store.taskVersions)
          .values({
            taskId: task_id,
            version,
            definition,
            createdAt: event.time,
            createdBy: String(event.actor ?? 'unknown'),
          })
          .onConflictDoNothing()
          .run()
        this.db
          .insert(store.tasks)
          .values({
            id: task_id,
            version,
            name: definition.name,
            labels: definition.labels,
            createdAt: event.time,
            updatedAt: event.time,
            deletedAt: null,
          })
          .onConflictDoUpdate({
            target: store.tasks.id,
            set: { version, name: definition.name, labels: definition.labels, updatedAt: event.time },
          })
          .run()
        return
      }
      case EventType.taskDeleted:
        updateRow(this.db, store.tasks, body.data.task_id, { deletedAt: event.time, updatedAt: event.time })
        return
    }
  }

  task(taskId: string): TaskRow | undefined {
    return this.db.select().from(store.tasks).where(eq(store.tasks.id, taskId)).get()
  }

  tasks(): TaskRow[] {
    return this.db
      .select()
      .from(store.tasks)
      .where(isNull(store.tasks.deletedAt))
      .orderBy(asc(store.tasks.id))
      .all()
  }

  /** A version never changes once stored, so it is read and parsed once per object. */
  definition(taskId: string, version: number): TaskDefinition | undefined {
    const key = `${taskId}@${version}`
    const known = this.definitions.get(key)
    if (known) return known
    const definition = this.db
      .select()
      .from(store.taskVersions)
      .where(and(eq(store.taskVersions.taskId, taskId), eq(store.taskVersions.version, version)))
      .get()?.definition
    if (definition) this.definitions.set(key, definition)
    return definition
  }

  versions(taskId: string) {
    return this.db
      .select()
      .from(store.taskVersions)
      .where(eq(store.taskVersions.taskId, taskId))
      .orderBy(desc(store.taskVersions.version))
      .all()
  }

  /** The task as it stands, with its current definition; undefined once deleted, or if unknown. */
  current(taskId: string): { task: TaskRow; definition: TaskDefinition } | undefined {
    const task = this.task(taskId)
    const definition = task && !task.deletedAt ? this.definition(taskId, task.version) : undefined
    return task && definition ? { task, definition } : undefined
  }
}
