import { monotonicFactory } from 'ulid'
import type { CloneTaskBody, ListTasksQuery, Task } from '../../schema/api/tasks'
import { EventType, type LoggedEvent } from '../../schema/events'
import type { TaskDefinition } from '../../schema/tasks/task'
import type { StepFiles } from '../files/site-files'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { type Page, pageReply } from '../lib/paging'
import type { SiteFeature, SiteKernel } from '../site/feature'
import type { SiteScope } from '../site/site-scope'
import type { TaskBook } from './task-book'

const nextId = monotonicFactory()

/** What the tasks need beside the kernel: their book, and the files their push steps name. */
export interface SiteTasksPorts {
  book: TaskBook
  files: Pick<StepFiles, 'checkSteps'>
}

/** A site's tasks: versioned definitions of steps, created, changed, cloned and deleted by commands. */
export class SiteTasks implements SiteFeature {
  readonly name = 'tasks'
  private readonly scope: SiteScope
  private readonly book: TaskBook

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteTasksPorts,
  ) {
    this.scope = kernel.scope
    this.book = ports.book
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
  }

  create(definition: TaskDefinition, actor: string, idempotency?: IdempotencyClaim): Reply<Task> {
    this.scope.active()
    this.ports.files.checkSteps(definition)
    const taskId = nextId()
    return this.kernel.write(
      idempotency,
      { subject: taskId, actor },
      () => [{ type: EventType.taskCreated, data: { task_id: taskId, version: 1, definition } }],
      () => ({ status: 201, body: this.toTask(taskId) }),
    )
  }

  update(
    taskId: string,
    definition: TaskDefinition,
    actor: string,
    idempotency?: IdempotencyClaim,
  ): Reply<Task> {
    this.scope.active()
    const task = this.requireTask(taskId)
    this.ports.files.checkSteps(definition)
    return this.kernel.write(
      idempotency,
      { subject: taskId, actor },
      () => [
        { type: EventType.taskUpdated, data: { task_id: taskId, version: task.version + 1, definition } },
      ],
      () => ({ status: 200, body: this.toTask(taskId) }),
    )
  }

  clone(taskId: string, input: CloneTaskBody, actor: string, idempotency?: IdempotencyClaim) {
    const source = this.get(taskId).body
    const { id: _id, site_id: _site, version: _v, created_at: _c, updated_at: _u, ...definition } = source
    return this.create(
      {
        ...definition,
        name: input.name ?? `${source.name} (copy)`,
        labels: input.labels ?? source.labels,
      },
      actor,
      idempotency,
    )
  }

  delete(taskId: string, actor: string, idempotency?: IdempotencyClaim): Reply<Task> {
    this.scope.active()
    const task = this.get(taskId).body
    return this.kernel.write(
      idempotency,
      { subject: taskId, actor },
      () => [{ type: EventType.taskDeleted, data: { task_id: taskId } }],
      () => ({ status: 200, body: task }),
    )
  }

  get(taskId: string): Reply<Task> {
    this.scope.present()
    this.requireTask(taskId)
    return { status: 200, body: this.toTask(taskId) }
  }

  list(query: ListTasksQuery): Reply<Page<Task>> {
    this.scope.present()
    const needle = query.q?.toLowerCase()
    const [key, ...value] = query.label?.split('=') ?? []
    const rows = this.ports.book
      .tasks()
      .filter(
        (task) =>
          (!query.cursor || task.id > query.cursor) &&
          (!needle || task.name.toLowerCase().includes(needle)) &&
          (key === undefined || task.labels[key] === value.join('=')),
      )
      .slice(0, query.limit + 1)
    return pageReply(rows, query.limit, (task) => this.toTask(task.id))
  }

  versions(taskId: string) {
    this.scope.present()
    this.requireTask(taskId)
    return {
      status: 200,
      body: {
        items: this.book.versions(taskId).map((row) => ({
          version: row.version,
          created_at: row.createdAt,
          created_by: row.createdBy,
          definition: row.definition,
        })),
        next_cursor: null,
      },
    }
  }

  private requireTask(taskId: string) {
    const task = this.book.task(taskId)
    if (!task || task.deletedAt) throw apiError(404, 'not_found', 'task not found')
    return task
  }

  private toTask(taskId: string): Task {
    const task = this.book.task(taskId)
    const definition = task && this.book.definition(taskId, task.version)
    if (!task || !definition) throw new Error(`task ${taskId} has no stored version`)
    return {
      id: task.id,
      site_id: this.scope.present().id,
      version: task.version,
      created_at: task.createdAt,
      updated_at: task.updatedAt,
      ...definition,
    }
  }
}
