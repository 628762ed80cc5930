import { Hono } from 'hono'
import * as v from 'valibot'
import { CloneTaskBody, ListTasksQuery, Task, TaskPage, TaskVersionPage } from '../../schema/api/tasks'
import { Ulid } from '../../schema/common'
import { TaskDefinition } from '../../schema/tasks/task'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { optionalJson, requireJson, valid } from '../http/validation'
import { SiteParam } from './sites'

export const TaskParam = v.object({ siteId: Ulid, taskId: Ulid })

/** `/v1/sites/{siteId}/tasks`: tasks, each edit a new version. */
export const taskRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/tasks',
    route({
      summary: 'Create a task',
      tag: 'Tasks',
      description: 'Ordered steps (script, file, http) with typed parameters. This is version 1.',
      ok: { status: 201, schema: Task, description: 'The task' },
      errors: { 409: 'The site is archived', 415: 'Body is not JSON' },
    }),
    valid('param', SiteParam),
    audited('task.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', TaskDefinition),
    async (c) => send(c, await callerSite(c).tasks.create(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/tasks',
    route({
      summary: 'List and search tasks',
      tag: 'Tasks',
      description: '`q` matches part of the name in any case; `label=key=value` filters by label.',
      ok: { status: 200, schema: TaskPage, description: 'Tasks, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListTasksQuery),
    async (c) => send(c, await callerSite(c).tasks.list(c.req.valid('query'))),
  )
  .get(
    '/:siteId/tasks/:taskId',
    route({
      summary: 'Get a task',
      tag: 'Tasks',
      ok: { status: 200, schema: Task, description: 'The latest version' },
    }),
    valid('param', TaskParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).tasks.get(c.req.valid('param').taskId)),
  )
  .put(
    '/:siteId/tasks/:taskId',
    route({
      summary: 'Edit a task',
      tag: 'Tasks',
      description: 'Replaces the definition as a new version; runs keep the version they ran.',
      ok: { status: 200, schema: Task, description: 'The new version' },
      errors: { 409: 'The site is archived', 415: 'Body is not JSON' },
    }),
    valid('param', TaskParam),
    audited('task.update', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', TaskDefinition),
    async (c) =>
      send(c, await callerSite(c).tasks.update(c.req.valid('param').taskId, c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/tasks/:taskId/versions',
    route({
      summary: "List a task's versions",
      tag: 'Tasks',
      ok: { status: 200, schema: TaskVersionPage, description: 'Versions, newest first' },
    }),
    valid('param', TaskParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).tasks.versions(c.req.valid('param').taskId)),
  )
  .post(
    '/:siteId/tasks/:taskId/clone',
    route({
      summary: 'Clone a task',
      tag: 'Tasks',
      ok: { status: 201, schema: Task, description: 'The copy, at version 1' },
    }),
    valid('param', TaskParam),
    audited('task.clone', 'site'),
    authorize('operator', 'site'),
    optionalJson,
    valid('json', CloneTaskBody),
    async (c) =>
      send(
        c,
        await callerSite(c).tasks.clone(c.req.valid('param').taskId, c.req.valid('json') ?? {}, writeOf(c)),
      ),
  )
  .delete(
    '/:siteId/tasks/:taskId',
    route({
      summary: 'Delete a task',
      tag: 'Tasks',
      description: 'Its runs and their logs stay.',
      ok: { status: 200, schema: Task, description: 'The task as it was' },
    }),
    valid('param', TaskParam),
    audited('task.delete', 'site'),
    authorize('operator', 'site'),
    async (c) => send(c, await callerSite(c).tasks.delete(c.req.valid('param').taskId, writeOf(c))),
  )
