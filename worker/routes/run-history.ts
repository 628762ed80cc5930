import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import {
  type RunRecord,
  RunRecordPage,
  SearchRunsQuery,
  SearchStepsQuery,
  type StepRecord,
  StepRecordPage,
} from '../../schema/api/runs'
import { runSteps, runs } from '../../schema/db/projections'
import type { AppEnv } from '../http/context'
import { route } from '../http/reply'
import { valid } from '../http/validation'
import { byId, toPage } from '../lib/paging'
import { readProjections } from '../projections/connection'
import { visibleRows } from '../projections/visible-rows'

type RunRow = typeof runs.$inferSelect
type StepRow = typeof runSteps.$inferSelect

/** `/v1/runs`: the history of runs and their steps across the tenant's sites, from the projections. */
export const runHistoryRoutes = new Hono<AppEnv>()
  .get(
    '/',
    route({
      summary: 'Search the run history',
      tag: 'Runs',
      description:
        'Every run the caller may see, across sites, newest first: status, agent counts and duration. ' +
        '`agent_id` finds the runs that sent that agent at least one step.',
      ok: { status: 200, schema: RunRecordPage, description: 'Runs, newest first' },
      errors: { 503: 'The projections database is unreachable' },
    }),
    valid('query', SearchRunsQuery),
    async (c) => {
      const query = c.req.valid('query')
      const rows = await readProjections(c.env, (db) =>
        db
          .select()
          .from(runs)
          .where(
            and(
              visibleRows(c.var.principal, runs.tenantId, runs.siteId),
              query.cursor ? lt(runs.id, query.cursor) : undefined,
              query.site_id ? eq(runs.siteId, query.site_id) : undefined,
              query.task_id ? eq(runs.taskId, query.task_id) : undefined,
              query.status ? eq(runs.status, query.status) : undefined,
              query.trigger ? eq(runs.triggerKind, query.trigger) : undefined,
              query.since ? gte(runs.requestedAt, query.since) : undefined,
              query.until ? lt(runs.requestedAt, query.until) : undefined,
              query.agent_id
                ? inArray(
                    runs.id,
                    db
                      .select({ id: runSteps.runId })
                      .from(runSteps)
                      .where(eq(runSteps.agentId, query.agent_id)),
                  )
                : undefined,
            ),
          )
          .orderBy(desc(runs.id))
          .limit(query.limit + 1),
      )
      return c.json(toPage(rows, query.limit, (page) => page.map(toRunRecord), byId))
    },
  )
  .get(
    '/steps',
    route({
      summary: 'Search step attempts',
      tag: 'Runs',
      description:
        'Every attempt of every step the caller may see, across sites, newest run first: outcome, exit code, ' +
        'duration. The output stays with the run (`GET /v1/sites/{siteId}/runs/{runId}/logs`, or its archive).',
      ok: { status: 200, schema: StepRecordPage, description: 'Step attempts, newest run first' },
      errors: { 503: 'The projections database is unreachable' },
    }),
    valid('query', SearchStepsQuery),
    async (c) => {
      const query = c.req.valid('query')
      const rows = await readProjections(c.env, (db) =>
        db
          .select()
          .from(runSteps)
          .where(
            and(
              visibleRows(c.var.principal, runSteps.tenantId, runSteps.siteId),
              query.cursor ? afterStep(query.cursor) : undefined,
              query.site_id ? eq(runSteps.siteId, query.site_id) : undefined,
              query.task_id ? eq(runSteps.taskId, query.task_id) : undefined,
              query.run_id ? eq(runSteps.runId, query.run_id) : undefined,
              query.agent_id ? eq(runSteps.agentId, query.agent_id) : undefined,
              query.outcome ? eq(runSteps.outcome, query.outcome) : undefined,
              query.since ? gte(runSteps.dispatchedAt, query.since) : undefined,
              query.until ? lt(runSteps.dispatchedAt, query.until) : undefined,
            ),
          )
          .orderBy(
            desc(runSteps.runId),
            desc(runSteps.agentId),
            desc(runSteps.stepIndex),
            desc(runSteps.attempt),
          )
          .limit(query.limit + 1),
      )
      return c.json(
        toPage(
          rows,
          query.limit,
          (page) => page.map(toStepRecord),
          (last) => `${last.runId}:${last.agentId}:${last.stepIndex}:${last.attempt}`,
        ),
      )
    },
  )

/** The steps after a cursor in the list's order: its key, compared whole. */
const afterStep = (cursor: string) => {
  const [runId, agentId, index, attempt] = cursor.split(':')
  return sql`(${runSteps.runId}, ${runSteps.agentId}, ${runSteps.stepIndex}, ${runSteps.attempt}) < (${runId}, ${agentId}, ${Number(index)}, ${Number(attempt)})`
}

const toRunRecord = (row: RunRow): RunRecord => ({
  id: row.id,
  site_id: row.siteId,
  task_id: row.taskId,
  task_version: row.taskVersion,
  task_name: row.taskName,
  status: row.status,
  reason: row.reason,
  trigger: row.trigger,
  requested_by: row.requestedBy,
  requested_at: row.requestedAt,
  started_at: row.startedAt,
  finished_at: row.finishedAt,
  duration_ms: row.durationMs,
  agents: {
    targeted: row.agentsTargeted,
    succeeded: row.agentsSucceeded,
    failed: row.agentsFailed,
    not_started: row.agentsNotStarted,
  },
  archive:
    row.archiveKey === null
      ? null
      : { key: row.archiveKey, bytes: row.archiveBytes ?? 0, deleted_at: row.archiveDeletedAt },
})

const toStepRecord = (row: StepRow): StepRecord => ({
  run_id: row.runId,
  site_id: row.siteId,
  task_id: row.taskId,
  agent_id: row.agentId,
  index: row.stepIndex,
  attempt: row.attempt,
  outcome: row.outcome,
  exit_code: row.exitCode,
  signal: row.signal,
  message: row.message,
  dispatched_at: row.dispatchedAt,
  started_at: row.startedAt,
  finished_at: row.finishedAt,
  duration_ms: row.durationMs,
})
