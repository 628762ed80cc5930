/** How long and how much each phase runs: fixed, so every run does the same work. */
export const fullPlan = {
  append: { warmupMs: 2_000, durationMs: 10_000 },
  sqlite: { warmupMs: 1_000, durationMs: 5_000 },
  lag: { eventsPerSecond: 1_000, tickMs: 10, durationMs: 10_000, pollMs: 20, drainTimeoutMs: 30_000 },
  /** Single events, then batches of 10 per 10 ms tick: the same 1,000 events/s offered two ways. */
  lagRequestSizes: [1, 10],
  scale: { sites: 1_000, eventsPerSite: 100, concurrency: 16, deadlineMs: 240_000 },
  /** How long to wait for a backlog to be projected between phases. */
  drainTimeoutMs: 60_000,
}

export type BenchPlan = typeof fullPlan

/** A smoke run of every phase in about a minute, to check the bench itself. */
export const quickPlan: BenchPlan = {
  append: { warmupMs: 300, durationMs: 1_500 },
  sqlite: { warmupMs: 200, durationMs: 1_000 },
  lag: { ...fullPlan.lag, durationMs: 2_000 },
  lagRequestSizes: fullPlan.lagRequestSizes,
  scale: { ...fullPlan.scale, sites: 50 },
  drainTimeoutMs: 30_000,
}
