import {
  EventType,
  type RolloutBuild,
  type RolloutSigningKey,
  type RolloutStarted,
  type SitewireEventBody,
} from '../../schema/events'
import { apiError } from '../http/errors'

export type AgentUpgradeState = 'waiting' | 'upgrading' | 'upgraded' | 'failed'
export type RolloutStatus = 'running' | 'paused' | 'completed' | 'halted' | 'cancelled'

/** One agent of a rollout: where its upgrade stands. */
export interface RolloutAgent {
  agent_id: string
  state: AgentUpgradeState
  batch: number | null
  reason: string | null
}

/** A rollout as its events leave it. */
export interface Rollout {
  id: string
  build: RolloutBuild
  signing_key: RolloutSigningKey | null
  selector: Record<string, string> | null
  batch_size: number
  failure_budget: number
  timeout_seconds: number
  status: RolloutStatus
  /** The batch last started; 0 before the first. */
  batch: number
  /** When the agents of the current batch must be back (ms). */
  deadline: number | null
  agents: RolloutAgent[]
  reason: string | null
  created_at: string
  finished_at: string | null
}

/** Every rollout of a site, oldest first. */
export interface RolloutState {
  rollouts: Readonly<Record<string, Rollout>>
  order: readonly string[]
}

export const emptyRolloutState: RolloutState = { rollouts: {}, order: [] }

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

const ACTIVE = new Set<RolloutStatus>(['running', 'paused'])

export const isActive = (rollout: Rollout) => ACTIVE.has(rollout.status)

/** The rollout that is running or paused, if one is: a site upgrades its agents one rollout at a time. */
export const activeRollout = (state: RolloutState): Rollout | undefined =>
  state.order.map((id) => state.rollouts[id] as Rollout).find(isActive)

const requireRollout = (state: RolloutState, rolloutId: string): Rollout => {
  const rollout = state.rollouts[rolloutId]
  if (!rollout) throw apiError(404, 'not_found', 'rollout not found')
  return rollout
}

const requireActive = (rollout: Rollout) => {
  if (!isActive(rollout)) throw apiError(409, 'rollout_finished', `the rollout is ${rollout.status}`)
}

/** A stored event as the fold needs it. */
export interface RolloutEvent {
  type: string
  data: unknown
  time: string
}

const withAgent = (rollout: Rollout, agentId: string, change: Partial<RolloutAgent>): Rollout => ({
  ...rollout,
  agents: rollout.agents.map((agent) => (agent.agent_id === agentId ? { ...agent, ...change } : agent)),
})

/** Folds one event into the site's rollouts. */
export const evolveRollouts = (state: RolloutState, event: RolloutEvent): RolloutState => {
  const data = event.data as Record<string, unknown> & { rollout_id: string }
  const put = (rollout: Rollout): RolloutState => ({
    rollouts: { ...state.rollouts, [rollout.id]: rollout },
    order: state.order.includes(rollout.id) ? state.order : [...state.order, rollout.id],
  })
  if (event.type === EventType.rolloutStarted) {
    const started = event.data as RolloutStarted
    return put({
      id: started.rollout_id,
      build: started.build,
      signing_key: started.signing_key,
      selector: started.selector,
      batch_size: started.batch_size,
      failure_budget: started.failure_budget,
      timeout_seconds: started.timeout_seconds,
      status: 'running',
      batch: 0,
      deadline: null,
      agents: started.agent_ids.map((agent_id) => ({
        agent_id,
        state: 'waiting',
        batch: null,
        reason: null,
      })),
      reason: null,
      created_at: event.time,
      finished_at: null,
    })
  }
  const rollout = state.rollouts[data.rollout_id]
  if (!rollout) return state
  switch (event.type) {
    case EventType.rolloutBatchStarted: {
      const batch = data.batch as number
      const ids = new Set(data.agent_ids as string[])
      return put({
        ...rollout,
        batch,
        deadline: Date.parse(data.deadline as string),
        agents: rollout.agents.map((agent) =>
          ids.has(agent.agent_id) ? { ...agent, state: 'upgrading', batch } : agent,
        ),
      })
    }
    case EventType.rolloutAgentUpgraded:
      return put(withAgent(rollout, data.agent_id as string, { state: 'upgraded', reason: null }))
    case EventType.rolloutAgentFailed:
      return put(
        withAgent(rollout, data.agent_id as string, { state: 'failed', reason: data.reason as string }),
      )
    case EventType.rolloutPaused:
      return put({ ...rollout, status: 'paused' })
    case EventType.rolloutResumed:
      return put({ ...rollout, status: 'running' })
    case EventType.rolloutFinished:
      return put({
        ...rollout,
        status: data.status as RolloutStatus,
        reason: (data.reason as string | null) ?? null,
        deadline: null,
        finished_at: event.time,
      })
    default:
      return state
  }
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

/** When the active rollout next has to look at its agents again (ms). */
export const rolloutDue = (state: RolloutState): number | undefined => {
  const rollout = activeRollout(state)
  if (!rollout?.agents.some((agent) => agent.state === 'upgrading')) return undefined
  return rollout.deadline ?? undefined
}
