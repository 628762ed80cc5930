import { Hono } from 'hono'
import {
  CreateSavedReportBody,
  ListSavedReportsQuery,
  SavedReport,
  SavedReportPage,
  SavedReportResult,
  SavedReportResultPage,
  SavedReportResultParam,
  UpdateSavedReportBody,
} from '../../schema/api/saved-reports'
import { IdParam } from '../../schema/common'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { notFound } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'

const TAG = 'Inventory'
const WHOSE =
  'A saved report runs with its owner’s access (the user or API key that saved it) as it is at run time: it ' +
  'never shows more than the owner may read then. Teams it is shared with see it and its results — what the ' +
  'owner could read is the point of sharing; only the owner or a tenant admin may change, run or delete it.'
const MANAGE_ERRORS = { 403: 'Only the owner or a tenant admin may do this (`forbidden`)' }

/** A file name for a download: the report's name, kept to characters every client takes. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '-')

/** `/v1/inventory/saved-reports/…`: reports saved with their query, run now or on a schedule, results in R2. */
export const savedReportRoutes = new Hono<AppEnv>()
  .post(
    '/saved-reports',
    route({
      summary: 'Save an inventory report',
      tag: TAG,
      description:
        '`report` is `{type: "entities", query}` with the query parameters of `GET /v1/inventory/reports/entities` ' +
        'as JSON, or `{type: "pivot", query}` with those of `GET /v1/inventory/reports/pivot`. `schedule` ' +
        '(`cron`, 5 fields, in `timezone`) runs it by itself; a fire missed while the platform was down runs once. ' +
        `\`retention\` results are kept (default 30, at most 500). ${WHOSE}`,
      ok: { status: 201, schema: SavedReport, description: 'The saved report' },
      errors: { 415: 'Body is not JSON', 422: 'A shared team does not exist (`unknown_team`)' },
    }),
    requireJson,
    valid('json', CreateSavedReportBody),
    async (c) =>
      send(c, await callerTenant(c).createSavedReport(c.req.valid('json'), c.var.principal, writeOf(c))),
  )
  .get(
    '/saved-reports',
    route({
      summary: 'List saved reports',
      tag: TAG,
      description: 'The caller’s own, and those shared with one of its teams; a tenant admin sees all.',
      ok: {
        status: 200,
        schema: SavedReportPage,
        description: 'Saved reports with their last result, newest first',
      },
    }),
    valid('query', ListSavedReportsQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerTenant(c).listSavedReports(c.var.principal, limit, cursor))
    },
  )
  .get(
    '/saved-reports/:id',
    route({
      summary: 'Get a saved report',
      tag: TAG,
      ok: { status: 200, schema: SavedReport, description: 'The saved report, with its last result' },
    }),
    valid('param', IdParam),
    async (c) => send(c, await callerTenant(c).getSavedReport(c.req.valid('param').id, c.var.principal)),
  )
  .patch(
    '/saved-reports/:id',
    route({
      summary: 'Change a saved report',
      tag: TAG,
      description: `Any of its fields; \`schedule: null\` stops its runs; a smaller \`retention\` deletes older results. ${WHOSE}`,
      ok: { status: 200, schema: SavedReport, description: 'The saved report as changed' },
      errors: {
        ...MANAGE_ERRORS,
        415: 'Body is not JSON',
        422: 'A shared team does not exist (`unknown_team`)',
      },
    }),
    valid('param', IdParam),
    requireJson,
    valid('json', UpdateSavedReportBody),
    async (c) =>
      send(
        c,
        await callerTenant(c).updateSavedReport(
          c.req.valid('param').id,
          c.req.valid('json'),
          c.var.principal,
          writeOf(c),
        ),
      ),
  )
  .delete(
    '/saved-reports/:id',
    route({
      summary: 'Delete a saved report',
      tag: TAG,
      description: 'Its results and their files go with it.',
      ok: { status: 204, description: 'Deleted' },
      errors: MANAGE_ERRORS,
    }),
    valid('param', IdParam),
    async (c) => {
      const reply = await callerTenant(c).deleteSavedReport(
        c.req.valid('param').id,
        c.var.principal,
        writeOf(c),
      )
      return reply.refused ? send(c, reply) : c.body(null, 204)
    },
  )
  .post(
    '/saved-reports/:id/run',
    route({
      summary: 'Run a saved report now',
      tag: TAG,
      description:
        'Renders it with its owner’s access now and stores the file. A run that could not render is a result ' +
        'too, with `status: failed` and its `error` (`owner_inactive` when the owner is disabled or deleted, ' +
        'or the key revoked or expired).',
      ok: { status: 201, schema: SavedReportResult, description: 'The result' },
      errors: MANAGE_ERRORS,
    }),
    valid('param', IdParam),
    async (c) =>
      send(c, await callerTenant(c).runSavedReport(c.req.valid('param').id, c.var.principal, writeOf(c))),
  )
  .get(
    '/saved-reports/:id/results',
    route({
      summary: 'List a saved report’s results',
      tag: TAG,
      ok: { status: 200, schema: SavedReportResultPage, description: 'Results, newest first' },
    }),
    valid('param', IdParam),
    valid('query', ListSavedReportsQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(
        c,
        await callerTenant(c).savedReportResults(c.req.valid('param').id, c.var.principal, limit, cursor),
      )
    },
  )
  .get(
    '/saved-reports/:id/results/:resultId',
    route({
      summary: 'Download a result’s file',
      tag: TAG,
      description:
        'JSON, CSV or PDF, as the report’s format was at the run; 404 for a failed or pruned result.',
      ok: { status: 200, description: 'application/json, text/csv or application/pdf' },
    }),
    valid('param', SavedReportResultParam),
    async (c) => {
      const { id, resultId } = c.req.valid('param')
      const reply = await callerTenant(c).savedReportResultFile(id, resultId, c.var.principal)
      if (reply.refused) return send(c, reply)
      const object = await c.env.ARCHIVES.get(reply.body.key)
      if (!object) throw notFound('result')
      return new Response(object.body, {
        headers: {
          'content-type': reply.body.content_type,
          'content-disposition': `attachment; filename="${safeName(reply.body.filename)}"`,
          'content-length': String(object.size),
          etag: object.httpEtag,
        },
      })
    },
  )
