import {
  EventType,
  type RolloutBuild,
  type RolloutSigningKey,
  type RolloutStarted,
} from '../../schema/events'

// A site's agent rollouts as their events leave them: the state the decider decides on, and its pure fold.

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

const ACTIVE = new Set<RolloutStatus>(['running', 'paused'])

export const isActive = (rollout: Rollout) => ACTIVE.has(rollout.status)

/** The rollout that is running or paused, if one is: a site upgrades its agents one rollout at a time. */
export const activeRollout = (state: RolloutState): Rollout | undefined =>
  state.order.map((id) => state.rollouts[id] as Rollout).find(isActive)

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

/** When the active rollout next has to look at its agents again (ms). */
export const rolloutDue = (state: RolloutState): number | undefined => {
  const rollout = activeRollout(state)
  if (!rollout?.agents.some((agent) => agent.state === 'upgrading')) return undefined
  return rollout.deadline ?? undefined
}
