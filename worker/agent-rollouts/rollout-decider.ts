import { EventType, type RolloutStarted, type SitewireEventBody } from '../../schema/events'
import { apiError } from '../http/errors'
import {
  activeRollout,
  emptyRolloutState,
  evolveRollouts,
  isActive,
  type Rollout,
  type RolloutState,
} from './rollout-state'

export type RolloutCommand =
  | ({ type: 'start' } & Pick<
      RolloutStarted,
      | 'rollout_id'
      | 'build'
      | 'signing_key'
      | 'selector'
      | 'agent_ids'
      | 'batch_size'
      | 'failure_budget'
      | 'timeout_seconds'
    >)
  /** An agent connected reporting `version`. */
  | { type: 'agent_connected'; agent_id: string; version: string }
  /** An agent reported it refused a build or rolled back from it. */
  | { type: 'agent_failed'; agent_id: string; build_id: string; reason: string }
  /** Time passed: agents past their batch's deadline failed. */
  | { type: 'tick' }
  | { type: 'pause' | 'resume' | 'cancel'; rollout_id: string }

const requireRollout = (state: RolloutState, rolloutId: string): Rollout => {
  const rollout = state.rollouts[rolloutId]
  if (!rollout) throw apiError(404, 'not_found', 'rollout not found')
  return rollout
}

const requireActive = (rollout: Rollout) => {
  if (!isActive(rollout)) throw apiError(409, 'rollout_finished', `the rollout is ${rollout.status}`)
}

const failures = (rollout: Rollout) => rollout.agents.filter((agent) => agent.state === 'failed').length

/**
 * What follows the outcomes so far: halted once failures exceed the budget; else, when no
 * agent of the batch is still on its way, the next batch (unless paused) or the end.
 */
const progress = (rollout: Rollout, now: number): SitewireEventBody[] => {
  const rollout_id = rollout.id
  if (failures(rollout) > rollout.failure_budget)
    return [
      {
        type: EventType.rolloutFinished,
        data: {
          rollout_id,
          status: 'halted',
          reason: `${failures(rollout)} agents failed; the failure budget is ${rollout.failure_budget}`,
        },
      },
    ]
  if (rollout.status !== 'running' || rollout.agents.some((agent) => agent.state === 'upgrading')) return []
  const next = rollout.agents.filter((agent) => agent.state === 'waiting').slice(0, rollout.batch_size)
  if (next.length === 0)
    return [{ type: EventType.rolloutFinished, data: { rollout_id, status: 'completed', reason: null } }]
  return [
    {
      type: EventType.rolloutBatchStarted,
      data: {
        rollout_id,
        batch: rollout.batch + 1,
        agent_ids: next.map((agent) => agent.agent_id),
        deadline: new Date(now + rollout.timeout_seconds * 1000).toISOString(),
      },
    },
  ]
}

/** Outcome events, then what they lead to, decided on the rollout they leave. */
const settle = (rollout: Rollout, outcomes: SitewireEventBody[], now: number): SitewireEventBody[] => {
  if (outcomes.length === 0) return []
  const time = new Date(now).toISOString()
  const after = outcomes.reduce((state, body) => evolveRollouts(state, { ...body, time }), {
    rollouts: { [rollout.id]: rollout },
    order: [rollout.id],
  } as RolloutState)
  return [...outcomes, ...progress(after.rollouts[rollout.id] as Rollout, now)]
}

const upgradingAgent = (state: RolloutState, agentId: string) => {
  const rollout = activeRollout(state)
  const agent = rollout?.agents.find((entry) => entry.agent_id === agentId && entry.state === 'upgrading')
  return rollout && agent ? rollout : undefined
}

/** Decides a command on the site's rollouts: the events it makes, or the refusal. Pure; `now` in ms. */
export const decideRollout = (
  state: RolloutState,
  command: RolloutCommand,
  now: number,
): SitewireEventBody[] => {
  switch (command.type) {
    case 'start': {
      const active = activeRollout(state)
      if (active)
        throw apiError(
          409,
          'rollout_active',
          `rollout ${active.id} is ${active.status}; cancel it or let it end first`,
        )
      if (command.agent_ids.length === 0)
        throw apiError(422, 'no_agents', 'no approved agent of the site matches the target')
      const { type: _, ...started } = command
      const body: SitewireEventBody = { type: EventType.rolloutStarted, data: started }
      const time = new Date(now).toISOString()
      const rollout = evolveRollouts(emptyRolloutState, { ...body, time }).rollouts[
        command.rollout_id
      ] as Rollout
      return [body, ...progress(rollout, now)]
    }
    case 'agent_connected': {
      const rollout = upgradingAgent(state, command.agent_id)
      if (!rollout || command.version !== rollout.build.version) return []
      const rollout_id = rollout.id
      return settle(
        rollout,
        [
          {
            type: EventType.rolloutAgentUpgraded,
            data: { rollout_id, agent_id: command.agent_id, version: command.version },
          },
        ],
        now,
      )
    }
    case 'agent_failed': {
      const rollout = upgradingAgent(state, command.agent_id)
      if (!rollout || command.build_id !== rollout.build.id) return []
      return settle(
        rollout,
        [
          {
            type: EventType.rolloutAgentFailed,
            data: { rollout_id: rollout.id, agent_id: command.agent_id, reason: command.reason },
          },
        ],
        now,
      )
    }
    case 'tick': {
      const rollout = activeRollout(state)
      if (!rollout || rollout.deadline === null || rollout.deadline > now) return []
      const late = rollout.agents.filter((agent) => agent.state === 'upgrading')
      return settle(
        rollout,
        late.map((agent) => ({
          type: EventType.rolloutAgentFailed,
          data: {
            rollout_id: rollout.id,
            agent_id: agent.agent_id,
            reason: `did not come back with version ${rollout.build.version} within ${rollout.timeout_seconds} s`,
          },
        })),
        now,
      )
    }
    case 'pause': {
      const rollout = requireRollout(state, command.rollout_id)
      requireActive(rollout)
      if (rollout.status === 'paused') return []
      return [{ type: EventType.rolloutPaused, data: { rollout_id: rollout.id } }]
    }
    case 'resume': {
      const rollout = requireRollout(state, command.rollout_id)
      requireActive(rollout)
      if (rollout.status === 'running') return []
      return settle(rollout, [{ type: EventType.rolloutResumed, data: { rollout_id: rollout.id } }], now)
    }
    case 'cancel': {
      const rollout = requireRollout(state, command.rollout_id)
      requireActive(rollout)
      return [
        {
          type: EventType.rolloutFinished,
          data: { rollout_id: rollout.id, status: 'cancelled', reason: null },
        },
      ]
    }
  }
}
