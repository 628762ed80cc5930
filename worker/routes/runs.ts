import { Hono } from 'hono'
import * as v from 'valibot'
import {
  ListRunsQuery,
  PreviewTargetsBody,
  RequestRunBody,
  RerunBody,
  Run,
  RunDetail,
  RunLogsQuery,
  RunPage,
  TargetPreview,
} from '../../schema/api/runs'
import { Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { optionalJson, requireJson, valid } from '../http/validation'
import { siteOf } from '../objects'
import { SiteParam } from './sites'
import { TaskParam } from './tasks'

const RunParam = v.object({ siteId: Ulid, runId: Ulid })

/** `/v1/sites/{siteId}/…`: choosing targets, requesting runs, watching and stopping them. */
export const runRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/targets/preview',
    route({
      summary: 'Preview the agents a target matches',
      tag: 'Runs',
      ok: { status: 200, schema: TargetPreview, description: 'The approved agents that match, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    requireJson,
    valid('json', PreviewTargetsBody),
    async (c) => send(c, await callerSite(c).runs.preview(c.req.valid('json').target)),
  )
  .post(
    '/:siteId/tasks/:taskId/runs',
    route({
      summary: 'Run a task',
      tag: 'Runs',
      description:
        'Runs the latest version on the agents the target matches, now or `at` a time, by the strategy and ' +
        "failure policy given. If a run of the task is going, the task's concurrency policy decides: queue, skip or " +
        'run alongside.',
      ok: { status: 202, schema: Run, description: 'The run, requested' },
      errors: {
        409: 'The site is archived',
        415: 'Body is not JSON',
        422: 'No agent matches, or bad parameters',
      },
    }),
    valid('param', TaskParam),
    audited('run.request', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', RequestRunBody),
    async (c) =>
      send(c, await callerSite(c).runs.request(c.req.valid('param').taskId, c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/:siteId/runs',
    route({
      summary: "List a site's runs",
      tag: 'Runs',
      ok: { status: 200, schema: RunPage, description: 'Runs, newest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListRunsQuery),
    async (c) => send(c, await callerSite(c).runs.list(c.req.valid('query'))),
  )
  .get(
    '/:siteId/runs/:runId',
    route({
      summary: 'Get a run',
      tag: 'Runs',
      description:
        'The run, where each agent stands, and each step attempt with the first and last lines of its output.',
      ok: { status: 200, schema: RunDetail, description: 'The run' },
    }),
    valid('param', RunParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).runs.get(c.req.valid('param').runId)),
  )
  .post(
    '/:siteId/runs/:runId/cancel',
    route({
      summary: 'Cancel a run',
      tag: 'Runs',
      description: 'Agents kill what they run for it; agents not started are not started.',
      ok: { status: 202, schema: Run, description: 'The run' },
    }),
    valid('param', RunParam),
    audited('run.cancel', 'site'),
    authorize('operator', 'site'),
    async (c) => send(c, await callerSite(c).runs.cancel(c.req.valid('param').runId, writeOf(c))),
  )
  .post(
    '/:siteId/runs/:runId/rerun',
    route({
      summary: 'Run a finished run again',
      tag: 'Runs',
      description: 'On its agents that did not succeed (or all), from its first step or a chosen one.',
      ok: { status: 202, schema: Run, description: 'The new run' },
      errors: { 409: 'The run has not finished', 422: 'Every agent succeeded' },
    }),
    valid('param', RunParam),
    audited('run.rerun', 'site'),
    authorize('operator', 'site'),
    optionalJson,
    valid('json', RerunBody),
    async (c) =>
      send(
        c,
        await callerSite(c).runs.rerun(c.req.valid('param').runId, c.req.valid('json') ?? {}, writeOf(c)),
      ),
  )
  .get(
    '/:siteId/runs/:runId/logs',
    route({
      summary: "Follow a run's output (server-sent events)",
      tag: 'Runs',
      description:
        'Each `output` event is a chunk of lines of one step on one agent, its id the log `seq`; reconnect with ' +
        '`Last-Event-ID` to resume. Step events follow as they happen; `end` closes the stream with the run. ' +
        "Once the run is archived its chunks have left the log: an `archived` event names the archive's " +
        '`download` path before `end`.',
      ok: { status: 200, description: 'text/event-stream' },
    }),
    valid('param', RunParam),
    authorize('viewer', 'site'),
    valid('query', RunLogsQuery),
    async (c) => {
      const { siteId } = c.req.valid('param')
      const headers = new Headers(c.req.raw.headers)
      headers.set('x-sitewire-tenant', c.var.caller.tenantId)
      headers.set('x-sitewire-query', JSON.stringify(c.req.valid('query')))
      return siteOf(c.env, siteId).fetch(new Request(c.req.url, { headers }))
    },
  )
  .get(
    '/:siteId/runs/:runId/archive',
    route({
      summary: "Download a run's log archive",
      tag: 'Runs',
      description:
        'A `.tar.gz` written when the run ended: `manifest.json` (the run, and each step attempt on each agent ' +
        'with its outcome, line and byte counts and file), then `<agent_id>/<index>-<step>/attempt-<n>.log` ' +
        "per attempt, one `<time> <stdout|stderr> <text>` line per output line. Kept the site's `retention_days`.",
      ok: { status: 200, description: 'application/gzip' },
      errors: {
        404: 'No such run (`not_found`), or the retention deleted its archive (`archive_deleted`)',
        409: 'The run has not been archived yet (`not_archived`)',
      },
    }),
    valid('param', RunParam),
    authorize('viewer', 'site'),
    async (c) => {
      const { runId } = c.req.valid('param')
      const reply = await callerSite(c).runs.archive(runId)
      if (reply.refused) return send(c, reply)
      const object = await c.env.ARCHIVES.get(reply.body.key)
      // Retention deletes the object before it records so; between the two the archive is already gone.
      if (!object) throw apiError(404, 'archive_deleted', "the site's retention deleted this archive")
      return new Response(object.body, {
        headers: {
          'content-type': 'application/gzip',
          'content-disposition': `attachment; filename="run-${runId}.tar.gz"`,
          'content-length': String(object.size),
          etag: object.httpEtag,
        },
      })
    },
  )
