import * as v from 'valibot'
import { Labels, PageQuery, pageOf, Timestamp, Ulid } from '../common'
import { TaskDefinition } from '../tasks/task'

/** A task: its latest version, whole. */
export const Task = v.object({
  id: Ulid,
  site_id: Ulid,
  version: v.number(),
  created_at: Timestamp,
  updated_at: Timestamp,
  ...TaskDefinition.pipe[0].entries,
})
export type Task = v.InferOutput<typeof Task>
export const TaskPage = pageOf(Task)

export const TaskVersion = v.object({
  version: v.number(),
  created_at: Timestamp,
  created_by: v.string(),
  definition: TaskDefinition,
})
export const TaskVersionPage = pageOf(TaskVersion)

export const ListTasksQuery = v.object({
  ...PageQuery.entries,
  cursor: v.optional(Ulid),
  /** Part of the name, any case. */
  q: v.optional(v.pipe(v.string(), v.maxLength(200))),
  label: v.optional(v.pipe(v.string(), v.regex(/^[^=]+=.*$/, 'label filter is key=value'))),
})
export type ListTasksQuery = v.InferOutput<typeof ListTasksQuery>

export const CloneTaskBody = v.optional(
  v.strictObject({
    name: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))),
    labels: v.optional(Labels),
  }),
  {},
)
export type CloneTaskBody = v.InferOutput<typeof CloneTaskBody>
