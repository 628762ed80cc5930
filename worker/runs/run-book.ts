import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, min, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import type { RunRequested } from '../../schema/events'
import { WORKING_RUN_STATUSES } from '../../schema/tasks/run-request'
import type { TaskDefinition } from '../../schema/tasks/task'
import type { TaskBook } from '../tasks/task-book'
import { prepareRunLookups, type RunLookups } from './run-lookups'

export type RunRow = typeof store.runs.$inferSelect
export type RunAgentRow = typeof store.runAgents.$inferSelect
export type RunStepRow = typeof store.runSteps.$inferSelect

/** Lines of each step attempt kept at its start and at its end, for previews. */
export const PREVIEW_LINES = 20

const LIVE_ARCHIVE = and(
  isNotNull(store.runs.archive),
  sql`json_extract(${store.runs.archive}, '$.deleted_at') is null`,
)

/**
 * The site's runs as their events left them (`RunFold` writes them), read for the runs'
 * decisions and views.
 */
export class RunBook {
  private readonly prepared: RunLookups

  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly tasks: TaskBook,
  ) {
    this.prepared = prepareRunLookups(db)
  }

  definitionOf(runId: string): TaskDefinition | undefined {
    // Only the task's columns: a run's request holds every target id, too big to parse per step.
    const run = this.db
      .select({ taskId: store.runs.taskId, taskVersion: store.runs.taskVersion })
      .from(store.runs)
      .where(eq(store.runs.id, runId))
      .get()
    return run ? this.tasks.definition(run.taskId, run.taskVersion) : undefined
  }

  /** Whether a run's output is archived, without reading the rest of its row: asked for every output chunk. */
  archived(runId: string): boolean {
    return (
      this.db
        .select({ archived: sql<number>`${store.runs.archive} is not null` })
        .from(store.runs)
        .where(eq(store.runs.id, runId))
        .get()?.archived === 1
    )
  }

  /** A run's parameters, without parsing the rest of its request. */
  paramsOf(runId: string): RunRequested['params'] | undefined {
    const row = this.db
      .select({ params: sql<string>`json_extract(${store.runs.request}, '$.params')` })
      .from(store.runs)
      .where(eq(store.runs.id, runId))
      .get()
    return row ? (JSON.parse(row.params) as RunRequested['params']) : undefined
  }

  run(runId: string): RunRow | undefined {
    return this.db.select().from(store.runs).where(eq(store.runs.id, runId)).get()
  }

  runs(filter: { taskId?: string; status?: RunRow['status'] }): RunRow[] {
    return this.db
      .select()
      .from(store.runs)
      .where(
        and(
          filter.taskId ? eq(store.runs.taskId, filter.taskId) : undefined,
          filter.status ? eq(store.runs.status, filter.status) : undefined,
        ),
      )
      .orderBy(desc(store.runs.id))
      .all()
  }

  /** Another run of the task is going, or waits before this one. */
  taskBusy(run: RunRow): boolean {
    return (
      this.db
        .select({ id: store.runs.id })
        .from(store.runs)
        .where(
          and(
            eq(store.runs.taskId, run.taskId),
            sql`${store.runs.id} != ${run.id}`,
            sql`(${store.runs.status} in ('dispatched', 'collecting') or (${store.runs.id} < ${run.id} and ${store.runs.status} in ('requested', 'queued')))`,
          ),
        )
        .limit(1)
        .get() !== undefined
    )
  }

  /** Runs not finished yet, oldest first. */
  /** Runs still to be decided on, oldest first: all of them, or those among `ids`, or of those runs' tasks. */
  workingRuns(among?: { ids: string[]; sameTask: boolean }): RunRow[] {
    const working = inArray(store.runs.status, [...WORKING_RUN_STATUSES])
    const ids = among?.ids ?? []
    const chosen =
      among === undefined
        ? working
        : among.sameTask
          ? and(
              working,
              inArray(
                store.runs.taskId,
                this.db
                  .select({ taskId: store.runs.taskId })
                  .from(store.runs)
                  .where(inArray(store.runs.id, ids)),
              ),
            )
          : and(working, inArray(store.runs.id, ids))
    return this.db.select().from(store.runs).where(chosen).orderBy(asc(store.runs.id)).all()
  }

  runAgent(runId: string, agentId: string): RunAgentRow | undefined {
    return this.prepared.runAgent.get({ runId, agentId })
  }

  runAgents(runId: string, states?: store.RunAgentState[], limit?: number): RunAgentRow[] {
    const query = this.db
      .select()
      .from(store.runAgents)
      .where(
        and(eq(store.runAgents.runId, runId), states ? inArray(store.runAgents.state, states) : undefined),
      )
      .orderBy(asc(store.runAgents.position))
    return limit === undefined ? query.all() : query.limit(limit).all()
  }

  /** How many of a run's agents are in each state. */
  counts(runId: string): Record<store.RunAgentState, number> {
    const counts: Record<store.RunAgentState, number> = {
      waiting: 0,
      ready: 0,
      active: 0,
      retrying: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      skipped: 0,
    }
    const rows = this.db
      .select({ state: store.runAgents.state, count: sql<number>`count(*)` })
      .from(store.runAgents)
      .where(eq(store.runAgents.runId, runId))
      .groupBy(store.runAgents.state)
      .all()
    for (const row of rows) counts[row.state] = row.count
    return counts
  }

  /** Agents of a run whose time to be looked at has come. */
  dueAgents(runId: string, now: number): RunAgentRow[] {
    return this.db
      .select()
      .from(store.runAgents)
      .where(
        and(
          eq(store.runAgents.runId, runId),
          inArray(store.runAgents.state, ['active', 'retrying']),
          isNotNull(store.runAgents.dueAt),
          lte(store.runAgents.dueAt, now),
        ),
      )
      .all()
  }

  /** Steps an agent is in the middle of, to send again when it reconnects. */
  activeStepsOf(agentId: string): RunAgentRow[] {
    return this.db
      .select()
      .from(store.runAgents)
      .where(and(eq(store.runAgents.agentId, agentId), eq(store.runAgents.state, 'active')))
      .all()
  }

  /** Whether an agent is a target of a run: only then may it report on it. */
  targets(runId: string, agentId: string): boolean {
    return this.runAgent(runId, agentId) !== undefined
  }

  steps(runId: string): RunStepRow[] {
    return this.db
      .select()
      .from(store.runSteps)
      .where(eq(store.runSteps.runId, runId))
      .orderBy(asc(store.runSteps.agentId), asc(store.runSteps.stepIndex), asc(store.runSteps.attempt))
      .all()
  }

  step(ref: { run_id: string; agent_id: string; index: number; attempt: number }): RunStepRow | undefined {
    return this.prepared.step.get(ref)
  }

  /** Runs that ended and whose output is not archived yet, oldest first. */
  unarchivedRuns(): RunRow[] {
    return this.db
      .select()
      .from(store.runs)
      .where(and(isNotNull(store.runs.finishedAt), isNull(store.runs.archive)))
      .orderBy(asc(store.runs.id))
      .all()
  }

  /** Runs finished before `before` whose archive is still in R2. */
  expiredArchives(before: string): RunRow[] {
    return this.db
      .select()
      .from(store.runs)
      .where(and(lt(store.runs.finishedAt, before), LIVE_ARCHIVE))
      .orderBy(asc(store.runs.finishedAt))
      .all()
  }

  /** When the run finished whose archive in R2 is the oldest, if any. */
  oldestArchive(): string | undefined {
    return (
      this.db
        .select({ at: min(store.runs.finishedAt) })
        .from(store.runs)
        .where(LIVE_ARCHIVE)
        .get()?.at ?? undefined
    )
  }

  /** The earliest time (ms) anything in a working run is due, if any. */
  nextDue(): number | undefined {
    const agents = this.prepared.nextAgentDue.get()?.at
    const runs = this.prepared.nextRunDue.get()?.at
    const times = [agents, runs].filter((t): t is number => typeof t === 'number')
    return times.length > 0 ? Math.min(...times) : undefined
  }
}
