import { Hono } from 'hono'
import * as v from 'valibot'
import {
  CreateScheduleBody,
  ListSchedulesQuery,
  Schedule,
  SchedulePage,
  UpdateScheduleBody,
} from '../../schema/api/schedules'
import { Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { SiteParam } from './sites'

const ScheduleParam = v.object({ siteId: Ulid, scheduleId: Ulid })

const WRITE_ERRORS = {
  409: 'The site is archived, or (pause, resume) the one-shot schedule has fired',
  415: 'Body is not JSON',
  422: 'Unknown task (`unknown_task`), parameters that do not fit it (`invalid_params`), or `at` not in the future (`at_passed`)',
}

/** `/v1/sites/{siteId}/schedules`: tasks run on a cron expression in a time zone, or once at a time. */
export const scheduleRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/schedules',
    route({
      summary: 'Schedule a task',
      tag: 'Schedules',
      description:
        'On a 5-field `cron` expression read in `timezone` (the site’s unless given), or once `at` a time. Each fire ' +
        'requests a run of the task’s latest version with `run`. Fire times that pass while the site’s object is down ' +
        'follow `missed`: `run_once` requests one late run for them all, `skip` records them as missed.',
      ok: { status: 201, schema: Schedule, description: 'The schedule, with its next fire times' },
      errors: WRITE_ERRORS,
    }),
    valid('param', SiteParam),
    audited('schedule.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateScheduleBody),
    async (c) => send(c, await callerSite(c).schedules.create(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/schedules',
    route({
      summary: "List a site's schedules",
      tag: 'Schedules',
      description: '`task_id` keeps the schedules of one task.',
      ok: { status: 200, schema: SchedulePage, description: 'Schedules, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListSchedulesQuery),
    async (c) => send(c, await callerSite(c).schedules.list(c.req.valid('query'))),
  )
  .get(
    '/:siteId/schedules/:scheduleId',
    route({
      summary: 'Get a schedule',
      tag: 'Schedules',
      ok: { status: 200, schema: Schedule, description: 'The schedule, with its next fire times' },
    }),
    valid('param', ScheduleParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).schedules.get(c.req.valid('param').scheduleId)),
  )
  .patch(
    '/:siteId/schedules/:scheduleId',
    route({
      summary: 'Change a schedule',
      tag: 'Schedules',
      description:
        'Any field; `cron` replaces `at` and the other way round, `run` is replaced whole. A new time starts the ' +
        'wait for the next fire again; a new `at` arms a one-shot that has fired.',
      ok: { status: 200, schema: Schedule, description: 'The schedule' },
      errors: WRITE_ERRORS,
    }),
    valid('param', ScheduleParam),
    audited('schedule.update', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', UpdateScheduleBody),
    async (c) =>
      send(
        c,
        await callerSite(c).schedules.update(
          c.req.valid('param').scheduleId,
          c.req.valid('json'),
          writeOf(c),
        ),
      ),
  )
  .post(
    '/:siteId/schedules/:scheduleId/pause',
    route({
      summary: 'Pause a schedule',
      tag: 'Schedules',
      description: 'It fires no more until resumed. Pausing a paused schedule changes nothing.',
      ok: { status: 200, schema: Schedule, description: 'The schedule' },
      errors: WRITE_ERRORS,
    }),
    valid('param', ScheduleParam),
    audited('schedule.pause', 'site'),
    authorize('operator', 'site'),
    async (c) =>
      send(c, await callerSite(c).schedules.pause(c.req.valid('param').scheduleId, true, writeOf(c))),
  )
  .post(
    '/:siteId/schedules/:scheduleId/resume',
    route({
      summary: 'Resume a schedule',
      tag: 'Schedules',
      description:
        'It fires at its next time from now on; the times that passed while it was paused are not run. A one-shot ' +
        'whose time passed while paused follows `missed`.',
      ok: { status: 200, schema: Schedule, description: 'The schedule' },
      errors: WRITE_ERRORS,
    }),
    valid('param', ScheduleParam),
    audited('schedule.resume', 'site'),
    authorize('operator', 'site'),
    async (c) =>
      send(c, await callerSite(c).schedules.pause(c.req.valid('param').scheduleId, false, writeOf(c))),
  )
  .delete(
    '/:siteId/schedules/:scheduleId',
    route({
      summary: 'Delete a schedule',
      tag: 'Schedules',
      description: 'Runs it requested stay.',
      ok: { status: 200, schema: Schedule, description: 'The schedule as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', ScheduleParam),
    audited('schedule.delete', 'site'),
    authorize('operator', 'site'),
    async (c) => send(c, await callerSite(c).schedules.delete(c.req.valid('param').scheduleId, writeOf(c))),
  )
