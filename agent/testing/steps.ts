import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { monotonicFactory } from 'ulid'
import * as v from 'valibot'
import { onTestFinished } from 'vitest'
import { type AgentFrame, ServerMessage } from '../../schema/agent/protocol'
import type { StepFinished, StepOutput, StepStarted } from '../../schema/events/run'
import { EventType } from '../../schema/events/types'
import type { StepInput } from '../../schema/tasks/steps'
import { createLogger } from '../log'
import { Outbox } from '../outbox'
import { Spool } from '../spool'
import { statePaths } from '../state-dir'
import type { StepMessage, StepTiming, Transfer } from '../steps/context'
import { StepRunner } from '../steps/runner'
import { SecretStore } from '../steps/secrets'
import { tempDir } from './temp-dir'

const nextId = monotonicFactory()

export const testIdentity = { site_id: nextId(), agent_id: nextId() }

/** Quick to stop, so tests of timeouts and cancels stay short. */
export const QUICK_TIMING: StepTiming = { killGraceMs: 300, drainMs: 300 }

/** A `step` message as the platform sends it, checked by the protocol's schema. */
export const stepMessage = (
  step: StepInput,
  extra: Partial<Pick<StepMessage, 'run_id' | 'index' | 'attempt' | 'file' | 'upload_url'>> = {},
): StepMessage =>
  v.parse(ServerMessage, {
    type: 'step',
    run_id: nextId(),
    index: 0,
    attempt: 1,
    step,
    ...extra,
  }) as StepMessage

export interface StepEvents {
  started: StepStarted[]
  output: StepOutput[]
  finished: StepFinished[]
  /** The frames, in spool order. */
  frames: AgentFrame[]
}

/**
 * A step runner over a real spool in a fresh state directory, with a logger whose lines the
 * test can read. Nothing is attached to the outbox: every event stays in the spool.
 */
export const stepHarness = (
  options: { timing?: Partial<StepTiming>; transfer?: Transfer; dir?: string } = {},
) => {
  const dir = options.dir ?? tempDir('sitewire-steps-')
  const paths = statePaths(dir)
  const spool = Spool.open(paths.spool, { maxBytes: 256 * 1024 * 1024 })
  const outbox = new Outbox(
    spool,
    createLogger('error', () => undefined),
  )
  const logs: string[] = []
  const log = createLogger('debug', (line) => void logs.push(line))
  const make = () =>
    new StepRunner({
      identity: testIdentity,
      outbox,
      paths,
      log,
      timing: { ...QUICK_TIMING, ...options.timing },
      transfer: options.transfer ?? { baseUrl: 'http://127.0.0.1:9', sign: async () => 'no-token' },
    })
  const runner = make()
  onTestFinished(async () => {
    await runner.stop()
    spool.close()
  })
  const frames = () => [...spool.entries()].map((entry) => JSON.parse(entry.text) as AgentFrame)
  /** The step events of one run, in the order they were spooled. */
  const events = (runId: string): StepEvents => {
    const mine = frames().filter((frame) => (frame.data as { run_id?: string }).run_id === runId)
    const data = <T>(type: string) =>
      mine.filter((frame) => frame.type === type).map((frame) => frame.data as T)
    return {
      started: data<StepStarted>(EventType.stepStarted),
      output: data<StepOutput>(EventType.stepOutput),
      finished: data<StepFinished>(EventType.stepFinished),
      frames: mine,
    }
  }
  /** Runs a step to its end; returns its events and the text of its output lines. */
  const run = async (step: StepInput, extra: Parameters<typeof stepMessage>[1] = {}) => {
    const message = stepMessage(step, extra)
    await runner.run(message)
    const result = events(message.run_id)
    const lines = result.output.flatMap((chunk) => chunk.lines)
    return { ...result, message, lines, text: lines.map((line) => line.text), end: result.finished[0] }
  }
  return {
    dir,
    paths,
    spool,
    outbox,
    runner,
    make,
    logs,
    frames,
    events,
    run,
    secrets: new SecretStore(paths.secrets),
  }
}

/** Whether a process is gone; a zombie nobody reaps (no init in a container) counts as gone. */
export const isGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return true
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** A local port nothing listens on: connecting to it is refused at once. */
export const closedPort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
