import { RpcTarget } from 'cloudflare:workers'
import type { CloneTaskBody, ListTasksQuery } from '../../schema/api/tasks'
import type { TaskDefinition } from '../../schema/tasks/task'
import { actorOf, type WriteContext } from '../auth/caller'
import type { SiteRuns } from '../runs/site-runs'
import type { CallerScope } from '../site/caller-scope'

/** A site's tasks, as one caller reaches them. */
export class TasksApi extends RpcTarget {
  constructor(
    private readonly runs: SiteRuns,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  create(definition: TaskDefinition, write: WriteContext) {
    return this.scope.answer(() => this.runs.createTask(definition, actorOf(write), write.idempotency))
  }

  update(taskId: string, definition: TaskDefinition, write: WriteContext) {
    return this.scope.answer(() =>
      this.runs.updateTask(taskId, definition, actorOf(write), write.idempotency),
    )
  }

  clone(taskId: string, input: CloneTaskBody, write: WriteContext) {
    return this.scope.answer(() => this.runs.cloneTask(taskId, input, actorOf(write), write.idempotency))
  }

  delete(taskId: string, write: WriteContext) {
    return this.scope.answer(() => this.runs.deleteTask(taskId, actorOf(write), write.idempotency))
  }

  get(taskId: string) {
    return this.scope.answer(() => this.runs.getTask(taskId))
  }

  list(query: ListTasksQuery) {
    return this.scope.answer(() => this.runs.listTasks(query))
  }

  versions(taskId: string) {
    return this.scope.answer(() => this.runs.listVersions(taskId))
  }
}
