/** Sizes, concurrency and time limits of the resources bench, full and `--quick`. */
export interface ResourcesPlan {
  simAgents: number
  realAgents: number
  resources: number
  /** Creates (and, for the peer, appends) in flight at once: a closed loop of this many clients. */
  concurrency: number
  /** The real agents' `--resources-interval`, seconds: how often they check for drift. */
  resourcesIntervalSeconds: number
  driftSamples: number
  /** No create is started after this long: a platform slower than the goal still ends the bench, with the count it reached. */
  createsTimeoutMs: number
  /** How long to wait for every Applied=True once the creates are answered. */
  appliedTimeoutMs: number
  /** Enrolling and connecting the simulated agents, at most. */
  connectTimeoutMs: number
}

export const fullPlan: ResourcesPlan = {
  simAgents: 1_000,
  realAgents: 10,
  resources: 10_000,
  concurrency: 32,
  resourcesIntervalSeconds: 1,
  driftSamples: 10,
  createsTimeoutMs: 240_000,
  appliedTimeoutMs: 120_000,
  connectTimeoutMs: 120_000,
}

export const quickPlan: ResourcesPlan = {
  simAgents: 100,
  realAgents: 2,
  resources: 1_000,
  concurrency: 32,
  resourcesIntervalSeconds: 1,
  driftSamples: 5,
  createsTimeoutMs: 45_000,
  appliedTimeoutMs: 60_000,
  connectTimeoutMs: 60_000,
}
