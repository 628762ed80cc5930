/**
 * What the bench's main process asks its client workers (bench/lib/fork-pool.ts), and what
 * they answer. Times are on CLOCK_MONOTONIC (`monotonicMs` of bench/agents), which every
 * process on the machine shares, so a worker's receipt time and the main process's request
 * time can be subtracted.
 */
import type { PhaseResult } from '../agents/messages'
import type { OutputPlan } from './step-output'

export type { PhaseResult }

/** The site the simulated agents of one worker enrol with. */
export interface SiteTarget {
  url: string
  siteId: string
  enrolmentToken: string
  /** Offer permessage-deflate; the real agent does not. */
  deflate: boolean
}

export type RunsCommand =
  | { cmd: 'enrol'; target: SiteTarget; count: number; concurrency: number; timeoutMs: number }
  | { cmd: 'connect'; target: SiteTarget; concurrency: number; timeoutMs: number }
  /** What every step answered from now on prints. */
  | { cmd: 'configure'; output: OutputPlan }
  /** Answer once every agent of this worker has its `step.finished` acknowledged for `runId`, or at the timeout. */
  | { cmd: 'collect'; runId: string; timeoutMs: number }
  | { cmd: 'census' }
  /** NATS workers: connect `count` connections and subscribe each to its own job subject. */
  | {
      cmd: 'nats-connect'
      url: string
      count: number
      concurrency: number
      timeoutMs: number
    }
  | { cmd: 'nats-configure'; output: OutputPlan; mode: NatsMode }
  | { cmd: 'nats-collect'; runId: string; timeoutMs: number }
  | { cmd: 'close' }

/** `core`: plain publishes, nothing stored; `jetstream`: each message stored in a file-backed stream and acked. */
export type NatsMode = 'core' | 'jetstream'

/** What one worker's clients did for one run. */
export interface RunReceipts {
  /** Clients that should have answered (all of this worker's). */
  expected: number
  /** When each client received its step (or job). */
  receivedAtMs: number[]
  /** When each client's last message was acknowledged (Sitewire: the ack of `step.finished`; JetStream: its PubAck; core NATS: written). */
  doneAtMs: number[]
  frames: number
  /** JSON text of every frame sent, before any WebSocket compression. */
  wireBytes: number
  /** What the steps printed. */
  printedBytes: number
  errors: number
  firstError?: string
}

/** Subject of one NATS worker's jobs; the worker's label keeps two processes' workers apart. */
export const jobSubject = (worker: string) => `jobs.${worker}`
/** Subject the NATS workers publish a run's output and completions on. */
export const outputSubject = (runId: string, worker: string) => `runs.${runId}.${worker}`
