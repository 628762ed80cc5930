import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AgentFrame } from '../schema/agent/protocol'
import type { StepFinished, StepOutput } from '../schema/events/run'
import { EventType } from '../schema/events/types'
import { type AgentConfig, resolveConfig } from './config'
import { enrol } from './enrol'
import { createLogger } from './log'
import { type RunningAgent, startAgent } from './run'
import { TestPlatform, waitFor } from './testing/platform'
import { QUICK_TIMING, stepMessage } from './testing/steps'

const quiet = createLogger('error', () => undefined)
const timing = { backoff: { baseMs: 20, capMs: 100 } }

let platform: TestPlatform
let config: AgentConfig
let agent: RunningAgent | undefined

beforeEach(async () => {
  platform = await TestPlatform.start()
  config = resolveConfig(
    { stateDir: mkdtempSync(join(tmpdir(), 'sitewire-agent-steps-')), factsInterval: '3600' },
    {},
  )
  await enrol(await platform.enrolmentToken(), config, quiet)
  agent = await startAgent({ config, log: quiet, connection: timing, steps: QUICK_TIMING })
  await waitFor(() => platform.stored.size > 0, 'the first facts report')
})
afterEach(async () => {
  await agent?.stop()
  agent = undefined
  await platform.close()
  rmSync(config.state_dir, { recursive: true, force: true })
})

const isStepEvent = (runId: string) => (frame: AgentFrame) =>
  frame.type.startsWith('io.sitewire.step.') && (frame.data as { run_id?: string }).run_id === runId

const finishedOf = (runId: string) =>
  [...platform.stored.values()].find(
    (frame) => frame.type === EventType.stepFinished && (frame.data as StepFinished).run_id === runId,
  )?.data as StepFinished | undefined

describe('steps over the connection', () => {
  it('delivers every step event once and in order across a dropped connection', async () => {
    let dropped = false
    const isLateOutput = (frame: AgentFrame) =>
      frame.type === EventType.stepOutput && (frame.data as StepOutput).chunk >= 2
    // Until the drop, output from chunk 2 on reaches the platform but is not acknowledged.
    platform.shouldAck = (frame) => dropped || !isLateOutput(frame)
    const message = stepMessage({
      kind: 'script',
      body: 'i=1\nwhile [ $i -le 40 ]; do echo "line $i"; i=$((i+1)); sleep 0.05; done',
    })
    platform.send(message)

    await waitFor(
      () =>
        platform.received.filter((frame) => isStepEvent(message.run_id)(frame) && isLateOutput(frame))
          .length >= 2,
      'unacknowledged output',
    )
    dropped = true
    platform.dropConnections()
    await waitFor(() => platform.sockets.size > 0, 'the reconnection')
    // After a reconnect the platform may send the step again: it must not run twice.
    platform.send(message)
    await waitFor(() => finishedOf(message.run_id) !== undefined, 'the step to finish')

    const stored = [...platform.stored.values()].filter(isStepEvent(message.run_id))
    const ids = stored.map((frame) => frame.id)
    expect(ids).toEqual([...ids].sort())
    expect(stored.map((frame) => frame.type)).toEqual([
      EventType.stepStarted,
      ...stored.slice(1, -1).map(() => EventType.stepOutput),
      EventType.stepFinished,
    ])
    const chunks = stored.slice(1, -1).map((frame) => frame.data as StepOutput)
    expect(chunks.map((chunk) => chunk.chunk)).toEqual(chunks.map((_, n) => n))
    expect(chunks.flatMap((chunk) => chunk.lines.map((line) => line.text))).toEqual(
      Array.from({ length: 40 }, (_, n) => `line ${n + 1}`),
    )
    expect(finishedOf(message.run_id)).toMatchObject({ outcome: 'succeeded', exit_code: 0 })
    // Some were sent twice: the platform stored them once.
    const received = platform.received.filter(isStepEvent(message.run_id)).map((frame) => frame.id)
    expect(received.length).toBeGreaterThan(ids.length)
    expect(new Set(received)).toEqual(new Set(ids))
    expect(platform.attempts.filter((attempt) => attempt.status === 101).length).toBe(2)
  })

  it('cancels a run the platform cancels', async () => {
    const message = stepMessage({ kind: 'script', body: 'echo waiting\nsleep 1000' })
    platform.send(message)
    await waitFor(
      () => [...platform.stored.values()].some((frame) => frame.type === EventType.stepOutput),
      'the output',
    )
    platform.send({ type: 'cancel', run_id: message.run_id })
    await waitFor(() => finishedOf(message.run_id) !== undefined, 'the step to finish')
    expect(finishedOf(message.run_id)).toMatchObject({ outcome: 'cancelled', signal: 'SIGTERM' })
  })

  it('ends running steps when it stops, and sends their end on the next run', async () => {
    const message = stepMessage({ kind: 'script', body: 'echo waiting\nsleep 1000' })
    platform.send(message)
    await waitFor(
      () => [...platform.stored.values()].some((frame) => frame.type === EventType.stepStarted),
      'the start',
    )
    await agent?.stop()
    expect(finishedOf(message.run_id)).toBeUndefined()
    agent = await startAgent({ config, log: quiet, connection: timing, steps: QUICK_TIMING })
    await waitFor(() => finishedOf(message.run_id) !== undefined, 'the step end')
    expect(finishedOf(message.run_id)).toMatchObject({
      outcome: 'error',
      message: 'the agent stopped during this step',
    })
  })
})
