import * as v from 'valibot'
import { Ulid } from '../common'
import { TaskDefinition } from '../tasks/task'

/** Data of `io.sitewire.task.created` and `io.sitewire.task.updated`: the whole new version. */
export const TaskVersioned = v.object({
  task_id: Ulid,
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  definition: TaskDefinition,
})
export type TaskVersioned = v.InferOutput<typeof TaskVersioned>

export const TaskDeleted = v.object({ task_id: Ulid })
