/** Every count, pause and time limit of a run, in one place. */
export interface AgentsPlan {
  /** Simulated agents offer no permessage-deflate, like the real one; `--deflate` turns it on to compare. */
  deflate: boolean
  /** Client processes sharing the simulated agents (or the MQTT subscribers): the machine has 2 cores. */
  clientWorkers: number
  /** Enrolments in flight at once, over all workers: the site's object handles them one by one anyway. */
  enrolConcurrency: number
  /** Connection attempts in flight at once, over all workers. */
  connectConcurrency: number
  /** Broadcasts per system and size; the median one (by p99) is the one reported. */
  rounds: number
  /** Quiet time between broadcasts, so one round's stragglers never overlap the next. */
  pauseMs: number
  /** Longest wait for every client to receive one broadcast. */
  roundTimeoutMs: number
  /** Wait after everything connected, before measuring memory and broadcasting. */
  settleMs: number
  enrolTimeoutMs: (agents: number) => number
  connectTimeoutMs: (agents: number) => number
}

export const plan: AgentsPlan = {
  deflate: true,
  clientWorkers: 2,
  enrolConcurrency: 16,
  connectConcurrency: 64,
  rounds: 5,
  pauseMs: 2_000,
  roundTimeoutMs: 30_000,
  settleMs: 3_000,
  // Generous: about 30 ms per agent on top of a minute, so a slow machine still finishes.
  enrolTimeoutMs: (agents) => 60_000 + agents * 30,
  connectTimeoutMs: (agents) => 60_000 + agents * 30,
}

/** The sizes the issue asks for, in order. */
export const DEFAULT_SIZES = [1_000, 10_000]
