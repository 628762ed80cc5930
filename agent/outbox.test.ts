import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { AgentFrame } from '../schema/agent/protocol'
import { stepOutput, stepStarted } from './frames'
import { createLogger } from './log'
import { Outbox } from './outbox'
import { Spool } from './spool'
import { testIdentity } from './testing/steps'
import { tempDir } from './testing/temp-dir'

const quiet = createLogger('error', () => undefined)
const ref = { run_id: testIdentity.agent_id, index: 0, attempt: 1 }
const line = (text: string) => ({ at: '2026-01-01T00:00:00.000Z', stream: 'stdout' as const, text })

/** An outbox over a real spool, attached to a connection that records each message it is given. */
const setUp = (batchBytes?: number, window?: number) => {
  const spool = Spool.open(join(tempDir(), 'spool'), { maxBytes: 10_000_000 })
  const outbox = new Outbox(spool, quiet, window)
  const messages: string[] = []
  outbox.attach((text) => messages.push(text), batchBytes)
  /** Each message as the frames it carries. */
  const sent = () =>
    messages.map((text) => {
      const json = JSON.parse(text) as AgentFrame | AgentFrame[]
      return Array.isArray(json) ? json.map((frame) => frame.id) : json.id
    })
  return { outbox, messages, sent }
}

const frames = (count: number, text = 'x') =>
  Array.from({ length: count }, (_, n) =>
    n === 0 ? stepStarted(testIdentity, ref, 1) : stepOutput(testIdentity, ref, n - 1, [line(text)]),
  )

describe('Outbox', () => {
  it('sends the events of one turn together, as one JSON array, when the platform takes batches', async () => {
    const { outbox, sent } = setUp(1_000_000)
    const made = frames(3)
    for (const frame of made) outbox.submit(frame)
    expect(sent()).toEqual([])
    await nextTurn()
    expect(sent()).toEqual([made.map((frame) => frame.id)])

    // Later events go in a message of their own; one event alone is sent as it is.
    const [late] = frames(1)
    if (!late) throw new Error('no frame')
    outbox.submit(late)
    await nextTurn()
    expect(sent().at(-1)).toBe(late.id)
  })

  it('keeps each message within the platform’s limit and the window of unacknowledged events', async () => {
    const text = 'y'.repeat(10_000)
    const single = Buffer.byteLength(JSON.stringify(frames(2, text)[1]))
    const limit = single * 3 + 10
    const { outbox, messages, sent } = setUp(limit, 7)
    const made = frames(10, text)
    for (const frame of made) outbox.submit(frame)
    await nextTurn()
    expect(messages.every((message) => Buffer.byteLength(message) <= limit)).toBe(true)
    expect(sent().flat()).toEqual(made.slice(0, 7).map((frame) => frame.id))
    expect(sent().length).toBeGreaterThan(1)

    outbox.acked(made.slice(0, 7).map((frame) => frame.id))
    expect(sent().flat()).toEqual(made.map((frame) => frame.id))
  })

  it('sends one event per message to a platform that does not offer batches', async () => {
    const { outbox, sent } = setUp()
    const made = frames(3)
    for (const frame of made) outbox.submit(frame)
    await nextTurn()
    expect(sent()).toEqual(made.map((frame) => frame.id))
  })
})
