import type { ServerMessage } from '../../schema/agent/protocol'
import type { StepRef } from '../frames'
import type { Stream } from './output'

export interface StepTiming {
  /** Between SIGTERM and SIGKILL when a step's processes are stopped. */
  killGraceMs: number
  /**
   * How long output is still read once a script has exited: a process it left running in
   * the background may hold its output open for ever.
   */
  drainMs: number
}

export const DEFAULT_STEP_TIMING: StepTiming = { killGraceMs: 5000, drainMs: 2000 }

/** File transfers with the platform: URLs may be relative to it, each request carries its own JWT. */
export interface Transfer {
  baseUrl: string
  /** A fresh agent JWT whose audience is `path`. */
  sign: (path: string) => Promise<string>
}

/** A step the platform sends: the step, and what a file transfer needs. */
export type StepMessage = Extract<ServerMessage, { type: 'step' }>

/** What an executor of one kind of step gets to run it. */
export interface StepContext {
  ref: StepRef
  /** Aborted with a `StopReason` when the step must end early. */
  signal: AbortSignal
  output: { write: (stream: Stream, data: Buffer | string) => void }
  /** Says the step's work has begun, with the pid of its process if it has one. */
  started: (pid: number | null) => void
  workDir: string
  timing: StepTiming
  transfer: Transfer
  file: StepMessage['file']
  uploadUrl: StepMessage['upload_url']
}
