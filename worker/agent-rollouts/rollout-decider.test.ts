import { describe, expect, it } from 'vitest'
import { EventType, type SitewireEventBody } from '../../schema/events'
import type { ApiError } from '../http/errors'
import { decideRollout, type RolloutCommand } from './rollout-decider'
import { emptyRolloutState, evolveRollouts, type RolloutState, rolloutDue } from './rollout-state'

const ROLLOUT = '01J00000000000000000R0LL0T'
const BUILD = '01J000000000000000000BV1LD'
const [A, B, C] = ['01J0000000000000000000AGTA', '01J0000000000000000000AGTB', '01J0000000000000000000AGTC']
const T0 = Date.parse('2026-12-06T10:00:00.000Z')

const start = (overrides: Partial<Extract<RolloutCommand, { type: 'start' }>> = {}): RolloutCommand => ({
  type: 'start',
  rollout_id: ROLLOUT,
  build: { id: BUILD, version: '2.0.0', sha256: 'a'.repeat(64), bytes: 10, signature: 'x.y.z' },
  signing_key: null,
  selector: null,
  agent_ids: [A, B, C],
  batch_size: 2,
  failure_budget: 0,
  timeout_seconds: 60,
  ...overrides,
})

/** The state after these commands, each decided at its instant and its events folded. */
const given = (...steps: [RolloutCommand, number][]): RolloutState =>
  steps.reduce(
    (state, [command, at]) =>
      decideRollout(state, command, at).reduce(
        (next, body) => evolveRollouts(next, { ...body, time: new Date(at).toISOString() }),
        state,
      ),
    emptyRolloutState,
  )

const types = (events: SitewireEventBody[]) => events.map((event) => event.type)

const refusal = (state: RolloutState, command: RolloutCommand) => {
  try {
    decideRollout(state, command, T0)
  } catch (error) {
    return { status: (error as ApiError).status, code: (error as ApiError).code }
  }
  throw new Error('not refused')
}

describe('rollout decider', () => {
  it('starts with the first batch, due at its deadline', () => {
    const events = decideRollout(emptyRolloutState, start(), T0)
    expect(types(events)).toEqual([EventType.rolloutStarted, EventType.rolloutBatchStarted])
    expect(events[1]?.data).toEqual({
      rollout_id: ROLLOUT,
      batch: 1,
      agent_ids: [A, B],
      deadline: '2026-12-06T10:01:00.000Z',
    })
    expect(rolloutDue(given([start(), T0]))).toBe(T0 + 60_000)
  })

  it('moves to the next batch once every agent of this one came back with the version, then completes', () => {
    const state = given(
      [start(), T0],
      [{ type: 'agent_connected', agent_id: A, version: '2.0.0' }, T0 + 1000],
    )
    // An agent coming back with another version is not done yet.
    expect(
      decideRollout(state, { type: 'agent_connected', agent_id: B, version: '1.0.0' }, T0 + 2000),
    ).toEqual([])
    const next = decideRollout(state, { type: 'agent_connected', agent_id: B, version: '2.0.0' }, T0 + 2000)
    expect(types(next)).toEqual([EventType.rolloutAgentUpgraded, EventType.rolloutBatchStarted])
    expect(next[1]?.data).toMatchObject({ batch: 2, agent_ids: [C] })
    const last = given(
      [start(), T0],
      [{ type: 'agent_connected', agent_id: A, version: '2.0.0' }, T0],
      [{ type: 'agent_connected', agent_id: B, version: '2.0.0' }, T0],
    )
    expect(decideRollout(last, { type: 'agent_connected', agent_id: C, version: '2.0.0' }, T0)).toEqual([
      { type: EventType.rolloutAgentUpgraded, data: { rollout_id: ROLLOUT, agent_id: C, version: '2.0.0' } },
      { type: EventType.rolloutFinished, data: { rollout_id: ROLLOUT, status: 'completed', reason: null } },
    ])
  })

  it('halts when failures exceed the budget, from a report or from the deadline', () => {
    const state = given([start(), T0])
    const reported = decideRollout(
      state,
      { type: 'agent_failed', agent_id: A, build_id: BUILD, reason: 'rolled back' },
      T0 + 1000,
    )
    expect(types(reported)).toEqual([EventType.rolloutAgentFailed, EventType.rolloutFinished])
    expect(reported[1]?.data).toMatchObject({ status: 'halted' })
    // A report about another build is not about this rollout.
    expect(decideRollout(state, { type: 'agent_failed', agent_id: A, build_id: C, reason: 'x' }, T0)).toEqual(
      [],
    )

    expect(decideRollout(state, { type: 'tick' }, T0 + 59_999)).toEqual([])
    const late = decideRollout(state, { type: 'tick' }, T0 + 60_000)
    expect(types(late)).toEqual([
      EventType.rolloutAgentFailed,
      EventType.rolloutAgentFailed,
      EventType.rolloutFinished,
    ])
    expect(late[0]?.data).toMatchObject({
      agent_id: A,
      reason: 'did not come back with version 2.0.0 within 60 s',
    })
  })

  it('goes on within the failure budget', () => {
    const state = given([start({ failure_budget: 1 }), T0])
    const events = decideRollout(
      given(
        [start({ failure_budget: 1 }), T0],
        [{ type: 'agent_failed', agent_id: A, build_id: BUILD, reason: 'refused' }, T0],
      ),
      { type: 'agent_connected', agent_id: B, version: '2.0.0' },
      T0,
    )
    expect(types(events)).toEqual([EventType.rolloutAgentUpgraded, EventType.rolloutBatchStarted])
    expect(state.rollouts[ROLLOUT]?.status).toBe('running')
  })

  it('pauses between batches, resumes, and cancels', () => {
    const paused = given([start(), T0], [{ type: 'pause', rollout_id: ROLLOUT }, T0])
    expect(paused.rollouts[ROLLOUT]?.status).toBe('paused')
    const settled = given(
      [start(), T0],
      [{ type: 'pause', rollout_id: ROLLOUT }, T0],
      [{ type: 'agent_connected', agent_id: A, version: '2.0.0' }, T0],
      [{ type: 'agent_connected', agent_id: B, version: '2.0.0' }, T0],
    )
    // The batch under way finished, and no next batch started while paused.
    expect(settled.rollouts[ROLLOUT]?.batch).toBe(1)
    expect(rolloutDue(settled)).toBeUndefined()
    const resumed = decideRollout(settled, { type: 'resume', rollout_id: ROLLOUT }, T0 + 5000)
    expect(types(resumed)).toEqual([EventType.rolloutResumed, EventType.rolloutBatchStarted])
    const cancelled = given([start(), T0], [{ type: 'cancel', rollout_id: ROLLOUT }, T0])
    expect(cancelled.rollouts[ROLLOUT]).toMatchObject({
      status: 'cancelled',
      finished_at: new Date(T0).toISOString(),
    })
    expect(refusal(cancelled, { type: 'resume', rollout_id: ROLLOUT })).toEqual({
      status: 409,
      code: 'rollout_finished',
    })
  })

  it('refuses a second active rollout, an empty target and unknown rollouts', () => {
    expect(refusal(given([start(), T0]), start({ rollout_id: C }))).toEqual({
      status: 409,
      code: 'rollout_active',
    })
    expect(refusal(emptyRolloutState, start({ agent_ids: [] }))).toEqual({ status: 422, code: 'no_agents' })
    expect(refusal(emptyRolloutState, { type: 'pause', rollout_id: ROLLOUT })).toEqual({
      status: 404,
      code: 'not_found',
    })
  })
})
