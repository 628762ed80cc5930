import { and, eq, inArray, min, type Placeholder, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import { WORKING_RUN_STATUSES } from '../../schema/tasks/run-request'

/** A value, or a placeholder a prepared statement binds it to. */
type Bound<T> = T | Placeholder

/** One agent's row of a run. */
export const runAgentWhere = (runId: Bound<string>, agentId: Bound<string>) =>
  and(eq(store.runAgents.runId, runId), eq(store.runAgents.agentId, agentId))

/** One attempt of one step on one agent. */
export const runStepWhere = (ref: {
  run_id: Bound<string>
  agent_id: Bound<string>
  index: Bound<number>
  attempt: Bound<number>
}) =>
  and(
    eq(store.runSteps.runId, ref.run_id),
    eq(store.runSteps.agentId, ref.agent_id),
    eq(store.runSteps.stepIndex, ref.index),
    eq(store.runSteps.attempt, ref.attempt),
  )

/** States of a run's agent that still have work ahead. */
const ACTIVE_RUN: store.RunAgentState[] = ['ready', 'active', 'retrying']

/**
 * The run book's lookups made for every frame of a run's agents and after every event that may
 * move a due time: prepared once per object, not built by drizzle per call.
 */
export const prepareRunLookups = (db: DrizzleSqliteDODatabase<typeof store>) => {
  const placeholder = sql.placeholder
  return {
    runAgent: db
      .select()
      .from(store.runAgents)
      .where(runAgentWhere(placeholder('runId'), placeholder('agentId')))
      .prepare(),
    step: db
      .select()
      .from(store.runSteps)
      .where(
        runStepWhere({
          run_id: placeholder('run_id'),
          agent_id: placeholder('agent_id'),
          index: placeholder('index'),
          attempt: placeholder('attempt'),
        }),
      )
      .prepare(),
    nextAgentDue: db
      .select({ at: min(store.runAgents.dueAt) })
      .from(store.runAgents)
      .where(inArray(store.runAgents.state, ACTIVE_RUN))
      .prepare(),
    nextRunDue: db
      .select({ at: min(store.runs.dueAt) })
      .from(store.runs)
      .where(inArray(store.runs.status, [...WORKING_RUN_STATUSES]))
      .prepare(),
  }
}

export type RunLookups = ReturnType<typeof prepareRunLookups>
