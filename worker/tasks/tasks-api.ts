import { RpcTarget } from 'cloudflare:workers'
import type { CloneTaskBody, ListTasksQuery } from '../../schema/api/tasks'
import type { TaskDefinition } from '../../schema/tasks/task'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { SiteTasks } from './site-tasks'

/** A site's tasks, as one caller reaches them. */
export class TasksApi extends RpcTarget {
  constructor(
    private readonly tasks: SiteTasks,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  create(definition: TaskDefinition, write: WriteContext) {
    return this.scope.answer(() => this.tasks.create(definition, actorOf(write), write.idempotency))
  }

  update(taskId: string, definition: TaskDefinition, write: WriteContext) {
    return this.scope.answer(() => this.tasks.update(taskId, definition, actorOf(write), write.idempotency))
  }

  clone(taskId: string, input: CloneTaskBody, write: WriteContext) {
    return this.scope.answer(() => this.tasks.clone(taskId, input, actorOf(write), write.idempotency))
  }

  delete(taskId: string, write: WriteContext) {
    return this.scope.answer(() => this.tasks.delete(taskId, actorOf(write), write.idempotency))
  }

  get(taskId: string) {
    return this.scope.answer(() => this.tasks.get(taskId))
  }

  list(query: ListTasksQuery) {
    return this.scope.answer(() => this.tasks.list(query))
  }

  versions(taskId: string) {
    return this.scope.answer(() => this.tasks.versions(taskId))
  }
}
