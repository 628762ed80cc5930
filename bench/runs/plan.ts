/** Every count, size, pause and time limit of a run of the bench, in one place. */
export interface RunsPlan {
  /** Scenario A: simulated agents on one site, all targeted by one run. */
  agents: number
  /** Lines each simulated agent's step prints, and the bytes of each line (newline included). */
  lines: number
  lineBytes: number
  /** Scenario B: real `sitewire-agent` processes, and the lines their script prints (`seq 1 N`). */
  realAgents: number
  realLines: number
  /** Scenario C: small runs one after another on one agent, and what each prints. */
  runs: number
  storageLines: number
  /** Runs of scenario C in flight at once (the task allows runs alongside each other). */
  storageConcurrency: number
  /** Simulated agents offer no permessage-deflate, like the real agent. */
  deflate: boolean
  /** Client processes holding the simulated agents or the peer's workers: the machine has 2 cores. */
  clientWorkers: number
  enrolConcurrency: number
  connectConcurrency: number
  /** How often a run's status is read while it goes. */
  pollEveryMs: number
  /** Longest wait for one run of scenario A or B to be archived. */
  runTimeoutMs: number
  /** Longest wait for one small run of scenario C. */
  smallRunTimeoutMs: number
  enrolTimeoutMs: (agents: number) => number
  connectTimeoutMs: (agents: number) => number
}

/** The figures: 1,000 agents with ~64 KB each, 10 real agents, 1,000 runs. */
export const fullPlan: RunsPlan = {
  agents: 1_000,
  lines: 1_000,
  lineBytes: 64,
  realAgents: 10,
  realLines: 200_000,
  runs: 1_000,
  // More than the 20 first and 20 last lines a run keeps as previews, so pruning shows.
  storageLines: 100,
  storageConcurrency: 4,
  deflate: false,
  clientWorkers: 2,
  enrolConcurrency: 16,
  connectConcurrency: 64,
  pollEveryMs: 50,
  runTimeoutMs: 300_000,
  smallRunTimeoutMs: 60_000,
  // Generous: about 30 ms per agent on top of a minute, so a slow machine still finishes.
  enrolTimeoutMs: (agents) => 60_000 + agents * 30,
  connectTimeoutMs: (agents) => 60_000 + agents * 30,
}

/** Every scenario, shortened: checks the bench itself in a couple of minutes. */
export const quickPlan: RunsPlan = {
  ...fullPlan,
  agents: 100,
  realAgents: 2,
  realLines: 20_000,
  runs: 50,
  runTimeoutMs: 120_000,
}
