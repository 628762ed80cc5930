import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import type { RunAgentState } from '../../schema/db/site-store'
import type { RunRequested } from '../../schema/events'
import { TaskDefinition } from '../../schema/tasks/task'
import type { RunAgentRow, RunRow } from './run-book'
import { advanceRun, type RunWorld } from './run-decider'

/**
 * The run decider's rules, each as given (where the run and its agents stand, who is
 * connected, the time) / when (the decider is asked) / then (the events it decides).
 */
const NOW = Date.parse('2026-06-01T12:00:00Z')
const RUN = '01J00000000000000000RUN000'

interface Given {
  status?: RunRow['status']
  cancelRequested?: boolean
  request?: Partial<RunRequested>
  agents?: { id: string; state: RunAgentState; stepIndex?: number; attempt?: number; due?: boolean }[]
  offline?: string[]
  taskBusy?: boolean
  concurrency?: TaskDefinition['concurrency']
  now?: number
}

const given = (g: Given): RunWorld => {
  const agents: RunAgentRow[] = (g.agents ?? []).map((a, position) => ({
    runId: RUN,
    agentId: a.id,
    position,
    state: a.state,
    stepIndex: a.stepIndex ?? 0,
    attempt: a.attempt ?? 1,
    stepDeadline: null,
    dueAt: a.due ? NOW - 1 : null,
  }))
  const request: RunRequested = {
    run_id: RUN,
    task_id: '01J00000000000000000TASK00',
    task_version: 1,
    params: {},
    agent_ids: agents.map((a) => a.agentId),
    from_step: 0,
    strategy: { mode: 'parallel', concurrency: 1000 },
    failure: { policy: 'continue' },
    deadline_at: new Date(NOW + 3_600_000).toISOString(),
    not_before: null,
    trigger: { kind: 'api' },
    ...g.request,
  }
  const counts = Object.fromEntries(
    (['waiting', 'ready', 'active', 'retrying', 'succeeded', 'failed', 'cancelled', 'skipped'] as const).map(
      (s) => [s, agents.filter((a) => a.state === s).length],
    ),
  ) as Record<RunAgentState, number>
  const online = (id: string) => !(g.offline ?? []).includes(id)
  return {
    run: {
      id: RUN,
      taskId: request.task_id,
      taskVersion: 1,
      status: g.status ?? 'dispatched',
      request,
      requestedBy: 'key/k',
      requestedAt: new Date(NOW - 60_000).toISOString(),
      updatedAt: new Date(NOW - 60_000).toISOString(),
      finishedAt: null,
      reason: null,
      cancelRequested: g.cancelRequested ?? false,
      archive: null,
      dueAt: null,
    },
    definition: v.parse(TaskDefinition, {
      name: 't',
      steps: [{ kind: 'script', body: 'true' }],
      concurrency: g.concurrency ?? 'queue',
    }),
    counts,
    agents: (states, limit, connected) =>
      agents.filter((a) => states.includes(a.state) && (!connected || online(a.agentId))).slice(0, limit),
    due: () => agents.filter((a) => a.dueAt !== null && a.dueAt <= (g.now ?? NOW)),
    taskBusy: () => g.taskBusy ?? false,
    online,
    now: g.now ?? NOW,
  }
}

const types = (world: RunWorld) => advanceRun(world).map((e) => e.type.replace('io.sitewire.', ''))
const dispatchedTo = (world: RunWorld) =>
  advanceRun(world)
    .filter((e) => e.type === 'io.sitewire.step.dispatched')
    .map((e) => (e.data as { agent_id: string; attempt: number }).agent_id)

describe('starting a run', () => {
  it('waits until not_before, and says so once', () => {
    const request = { not_before: new Date(NOW + 60_000).toISOString() }
    expect(types(given({ status: 'requested', request, agents: [{ id: 'a', state: 'waiting' }] }))).toEqual([
      'run.scheduled',
    ])
    expect(types(given({ status: 'scheduled', request, agents: [{ id: 'a', state: 'waiting' }] }))).toEqual(
      [],
    )
  })

  it('queues behind another run of the task, or skips when the task says so', () => {
    const agents = [{ id: 'a', state: 'waiting' as const }]
    expect(types(given({ status: 'requested', taskBusy: true, agents }))).toEqual(['run.queued'])
    expect(types(given({ status: 'queued', taskBusy: true, agents }))).toEqual([])
    const skipped = advanceRun(given({ status: 'requested', taskBusy: true, concurrency: 'skip', agents }))
    expect(skipped).toEqual([
      {
        type: 'io.sitewire.run.skipped',
        data: { run_id: RUN, reason: 'a run of this task was still going' },
      },
    ])
  })

  it('dispatches to every waiting agent in parallel, then collects', () => {
    const world = given({
      status: 'requested',
      agents: [
        { id: 'a', state: 'waiting' },
        { id: 'b', state: 'waiting' },
      ],
    })
    expect(types(world)).toEqual(['run.dispatched', 'step.dispatched', 'step.dispatched', 'run.collecting'])
  })

  it('holds to the parallel cap', () => {
    const world = given({
      request: { strategy: { mode: 'parallel', concurrency: 2 } },
      agents: [
        { id: 'a', state: 'active' },
        { id: 'b', state: 'waiting' },
        { id: 'c', state: 'waiting' },
      ],
    })
    expect(dispatchedTo(world)).toEqual(['b'])
  })

  it('starts a rolling batch only when the last one is done', () => {
    const request = { strategy: { mode: 'rolling' as const, batch: '50%' as const } }
    const busy = given({
      request,
      agents: [
        { id: 'a', state: 'active' },
        { id: 'b', state: 'waiting' },
        { id: 'c', state: 'waiting' },
        { id: 'd', state: 'waiting' },
      ],
    })
    expect(dispatchedTo(busy)).toEqual([])
    const done = given({
      request,
      agents: [
        { id: 'a', state: 'succeeded' },
        { id: 'b', state: 'waiting' },
        { id: 'c', state: 'waiting' },
        { id: 'd', state: 'waiting' },
      ],
    })
    expect(dispatchedTo(done)).toEqual(['b', 'c'])
  })
})

describe('agents without a connection', () => {
  it('get no work: they wait for their connection', () => {
    const world = given({
      status: 'requested',
      agents: [
        { id: 'a', state: 'waiting' },
        { id: 'b', state: 'waiting' },
      ],
      offline: ['b'],
    })
    expect(types(world)).toEqual(['run.dispatched', 'step.dispatched'])
    expect(dispatchedTo(world)).toEqual(['a'])
  })

  it('get their next step only once connected', () => {
    const agents = [{ id: 'a', state: 'ready' as const, stepIndex: 1 }]
    expect(dispatchedTo(given({ agents, offline: ['a'] }))).toEqual([])
    expect(dispatchedTo(given({ agents }))).toEqual(['a'])
  })

  it('keep the run going until its deadline, which fails it', () => {
    const waiting = given({
      agents: [
        { id: 'a', state: 'succeeded' },
        { id: 'b', state: 'waiting' },
      ],
      offline: ['b'],
    })
    expect(advanceRun(waiting)).toEqual([])
    const late = given({
      agents: [
        { id: 'a', state: 'succeeded' },
        { id: 'b', state: 'waiting' },
      ],
      offline: ['b'],
      now: NOW + 3_600_000,
    })
    expect(advanceRun(late)).toEqual([
      {
        type: 'io.sitewire.run.finished',
        data: {
          run_id: RUN,
          status: 'failed',
          reason: "the run's deadline passed",
          agents: { succeeded: 1, failed: 0, not_started: 1 },
        },
      },
    ])
  })
})

describe('steps that are due', () => {
  it('retries after the backoff with the next attempt', () => {
    const world = given({ agents: [{ id: 'a', state: 'retrying', attempt: 2, due: true }] })
    expect(advanceRun(world)).toEqual([
      { type: 'io.sitewire.step.dispatched', data: { run_id: RUN, agent_id: 'a', index: 0, attempt: 3 } },
    ])
  })

  it('times out a step whose connected agent did not answer, and loses one whose agent went away', () => {
    const connected = advanceRun(given({ agents: [{ id: 'a', state: 'active', due: true }] }))
    expect(connected[0]?.data).toMatchObject({ agent_id: 'a', outcome: 'timed_out' })
    const away = advanceRun(given({ agents: [{ id: 'a', state: 'active', due: true }], offline: ['a'] }))
    expect(away[0]?.data).toMatchObject({ agent_id: 'a', outcome: 'lost' })
  })

  it('ends a cancelled step the agent did not confirm', () => {
    const world = given({ cancelRequested: true, agents: [{ id: 'a', state: 'active', due: true }] })
    expect(advanceRun(world)[0]?.data).toMatchObject({
      outcome: 'cancelled',
      message: 'cancelled; the agent did not confirm in time',
    })
  })

  it('times out what is still running when the deadline passes', () => {
    const world = given({ agents: [{ id: 'a', state: 'active' }], now: NOW + 3_600_000 })
    expect(advanceRun(world)[0]?.data).toMatchObject({
      outcome: 'timed_out',
      message: "the run's deadline passed",
    })
  })
})

describe('finishing', () => {
  it('succeeds when every agent succeeded', () => {
    const world = given({
      agents: [
        { id: 'a', state: 'succeeded' },
        { id: 'b', state: 'succeeded' },
      ],
    })
    expect(advanceRun(world)[0]?.data).toMatchObject({ status: 'succeeded', reason: null })
  })

  it('stops at the first failure under the stop policy, leaving the rest unstarted', () => {
    const world = given({
      request: { failure: { policy: 'stop' }, strategy: { mode: 'rolling', batch: 1 } },
      agents: [
        { id: 'a', state: 'failed' },
        { id: 'b', state: 'waiting' },
        { id: 'c', state: 'waiting' },
      ],
    })
    expect(advanceRun(world)).toEqual([
      {
        type: 'io.sitewire.run.finished',
        data: {
          run_id: RUN,
          status: 'failed',
          reason: 'stopped after 1 failed agent(s); 2 not started',
          agents: { succeeded: 0, failed: 1, not_started: 2 },
        },
      },
    ])
  })

  it('goes on within a failure budget, and stops past it', () => {
    const agents = (failed: number) => [
      ...Array.from({ length: failed }, (_, i) => ({ id: `f${i}`, state: 'failed' as const })),
      { id: 'next', state: 'waiting' as const },
    ]
    const request = {
      failure: { policy: 'budget' as const, budget: 2 },
      strategy: { mode: 'rolling' as const, batch: 1 },
    }
    expect(dispatchedTo(given({ request, agents: agents(2) }))).toEqual(['next'])
    expect(types(given({ request, agents: agents(3) }))).toEqual(['run.finished'])
  })

  it('is cancelled once nothing is running after a cancel', () => {
    const world = given({
      cancelRequested: true,
      agents: [
        { id: 'a', state: 'cancelled' },
        { id: 'b', state: 'waiting' },
      ],
    })
    expect(advanceRun(world)[0]?.data).toMatchObject({ status: 'cancelled', reason: 'cancelled' })
  })
})
