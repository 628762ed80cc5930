import type { RunAgentState } from '../../schema/db/site-store'
import { EventType, type SitewireEventBody } from '../../schema/events'
import type { CountOrPercent, FailurePolicy, Strategy } from '../../schema/tasks/run-request'
import type { TaskDefinition } from '../../schema/tasks/task'
import type { RunAgentRow, RunRow } from './run-book'

/** What the decider reads of a run's world; the run book answers it. */
export interface RunWorld {
  run: RunRow
  definition: TaskDefinition
  counts: Record<RunAgentState, number>
  /** Agents in these states, by position, at most `limit`; with `connected`, only agents with a connection. */
  agents: (states: RunAgentState[], limit?: number, connected?: boolean) => RunAgentRow[]
  due: () => RunAgentRow[]
  /** Another run of the same task is going, or queued before this one. */
  taskBusy: () => boolean
  online: (agentId: string) => boolean
  now: number
}

/** `25%` of 8 is 2; never less than 1. */
export const resolveCount = (value: CountOrPercent, total: number): number =>
  typeof value === 'number' ? value : Math.max(1, Math.floor((total * Number.parseInt(value, 10)) / 100))

const failureTripped = (failure: FailurePolicy, failed: number, total: number) =>
  failure.policy === 'stop'
    ? failed > 0
    : failure.policy === 'budget'
      ? failed > resolveCount(failure.budget, total)
      : false

const toStart = (strategy: Strategy, counts: Record<RunAgentState, number>, total: number) => {
  const busy = counts.ready + counts.active + counts.retrying
  if (strategy.mode === 'parallel') return Math.max(0, strategy.concurrency - busy)
  return busy === 0 ? resolveCount(strategy.batch, total) : 0
}

/**
 * The next events of one run, decided from where it stands and the time. It is called again
 * after those events are stored, until it has nothing more to say: each call moves one step.
 */
export const advanceRun = (world: RunWorld): SitewireEventBody[] => {
  const { run, counts, now } = world
  const runId = run.id
  const request = run.request
  const total = request.agent_ids.length

  if (run.status === 'requested' || run.status === 'scheduled' || run.status === 'queued') {
    if (!run.cancelRequested && now < Date.parse(request.deadline_at)) {
      if (request.not_before && now < Date.parse(request.not_before)) {
        return run.status === 'scheduled' ? [] : [{ type: EventType.runScheduled, data: { run_id: runId } }]
      }
      if (world.definition.concurrency !== 'allow' && world.taskBusy()) {
        if (world.definition.concurrency === 'skip')
          return [
            {
              type: EventType.runSkipped,
              data: { run_id: runId, reason: 'a run of this task was still going' },
            },
          ]
        return run.status === 'queued' ? [] : [{ type: EventType.runQueued, data: { run_id: runId } }]
      }
    }
  }

  const deadlinePassed = now >= Date.parse(request.deadline_at)
  const events: SitewireEventBody[] = []
  const finishStep = (agent: RunAgentRow, outcome: 'timed_out' | 'lost' | 'cancelled', message: string) =>
    events.push({
      type: EventType.stepFinished,
      data: {
        run_id: runId,
        agent_id: agent.agentId,
        index: agent.stepIndex,
        attempt: agent.attempt,
        outcome,
        exit_code: null,
        signal: null,
        duration_ms: 0,
        message,
      },
    })

  if (deadlinePassed) {
    for (const agent of world.agents(['active'])) finishStep(agent, 'timed_out', "the run's deadline passed")
    if (events.length > 0) return events
    return [finished(run, counts, 'failed', "the run's deadline passed")]
  }

  for (const agent of world.due()) {
    if (agent.state === 'retrying') {
      events.push(dispatch(runId, agent.agentId, agent.stepIndex, agent.attempt + 1))
    } else if (run.cancelRequested) {
      finishStep(agent, 'cancelled', 'cancelled; the agent did not confirm in time')
    } else if (world.online(agent.agentId)) {
      finishStep(agent, 'timed_out', 'the agent did not report the end of the step in time')
    } else {
      finishStep(agent, 'lost', 'the agent went away during the step and did not come back in time')
    }
  }
  if (events.length > 0) return events

  // Work goes only to agents with a connection; the others wait for theirs, or for the deadline.
  for (const agent of world.agents(['ready'], undefined, true)) {
    events.push(dispatch(runId, agent.agentId, agent.stepIndex, 1))
  }

  const stopping = run.cancelRequested || failureTripped(request.failure, counts.failed, total)
  const slots = toStart(request.strategy, counts, total)
  const starting = stopping || slots === 0 ? [] : world.agents(['waiting'], slots, true)
  if (starting.length > 0 && run.status !== 'dispatched' && run.status !== 'collecting') {
    events.unshift({ type: EventType.runDispatched, data: { run_id: runId } })
  }
  for (const agent of starting) events.push(dispatch(runId, agent.agentId, agent.stepIndex, 1))
  if (starting.length > 0 && starting.length === counts.waiting) {
    events.push({ type: EventType.runCollecting, data: { run_id: runId } })
  }
  if (events.length > 0) return events

  const busy = counts.ready + counts.active + counts.retrying
  if (busy === 0 && (counts.waiting === 0 || stopping)) {
    if (run.cancelRequested) return [finished(run, counts, 'cancelled', 'cancelled')]
    const failedAgents = counts.failed + counts.cancelled
    if (failedAgents > 0 || counts.waiting > 0) {
      const reason = stopping
        ? `stopped after ${counts.failed} failed agent(s); ${counts.waiting} not started`
        : `${failedAgents} of ${total} agent(s) failed`
      return [finished(run, counts, 'failed', reason)]
    }
    return [finished(run, counts, 'succeeded', null)]
  }
  return []
}
const dispatch = (runId: string, agentId: string, index: number, attempt: number): SitewireEventBody => ({
  type: EventType.stepDispatched,
  data: { run_id: runId, agent_id: agentId, index, attempt },
})

const finished = (
  run: RunRow,
  counts: Record<RunAgentState, number>,
  status: 'succeeded' | 'failed' | 'cancelled',
  reason: string | null,
): SitewireEventBody => ({
  type: EventType.runFinished,
  data: {
    run_id: run.id,
    status,
    reason,
    agents: {
      succeeded: counts.succeeded,
      failed: counts.failed + counts.cancelled,
      not_started: counts.waiting + counts.skipped,
    },
  },
})
