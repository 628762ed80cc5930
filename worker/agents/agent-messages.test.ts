import { describe, expect, it } from 'vitest'
import type { ServerMessage } from '../../schema/agent/protocol'
import type { CloudEvent } from '../../schema/events'
import { factsFrame } from '../../test/worker-agents'
import type { Commit } from '../site/commit-plan'
import { FrameQueue } from './agent-messages'

const siteId = '01ARZ3NDEKTSV4RRFFQ69G5FAA'
const agentIds = ['01ARZ3NDEKTSV4RRFFQ69G5FAB', '01ARZ3NDEKTSV4RRFFQ69G5FAC'] as const

/** A socket that keeps what it is sent. */
const socket = () => {
  const sent: ServerMessage[] = []
  return { sent, send: (text: string) => sent.push(JSON.parse(text)) } as unknown as WebSocket & {
    sent: ServerMessage[]
  }
}

/** A commit path that records each transaction's events, and fails any that holds a poisoned id. */
const commits = (poisoned = new Set<string>()) => {
  const transactions: string[][] = []
  const commit: Commit = (_idempotency, plan) => {
    const { events, reply } = plan('2026-01-01T00:00:00.000Z')
    if (events.some((event: CloudEvent) => poisoned.has(event.id))) throw new Error('constraint failed')
    transactions.push(events.map((event) => event.id))
    return reply([], { status: 'absent' } as never)
  }
  return { transactions, commit }
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('FrameQueue', () => {
  it('stores the messages that arrive in one turn in one transaction, and acks each message', async () => {
    const { transactions, commit } = commits()
    const queue = new FrameQueue({ siteId: () => siteId, admit: (frame) => frame, commit })
    const [a, b] = [socket(), socket()]
    const ofA = [factsFrame(siteId, agentIds[0], {}), factsFrame(siteId, agentIds[0], { arch: 'x' })]
    const ofB = factsFrame(siteId, agentIds[1], {})
    queue.add(a, agentIds[0], JSON.stringify(ofA))
    queue.add(b, agentIds[1], JSON.stringify(ofB))
    expect(transactions).toEqual([])
    await turn()
    expect(transactions).toEqual([[...ofA.map((f) => f.id), ofB.id]])
    expect(a.sent).toEqual([{ type: 'ack', ids: ofA.map((f) => f.id) }])
    expect(b.sent).toEqual([{ type: 'ack', ids: [ofB.id] }])
  })

  it('stores the others when one frame cannot be stored, and tells that frame’s agent to try again', async () => {
    const ofA = [factsFrame(siteId, agentIds[0], {}), factsFrame(siteId, agentIds[0], { arch: 'x' })]
    const ofB = factsFrame(siteId, agentIds[1], {})
    const { transactions, commit } = commits(new Set([ofA[1]?.id ?? '']))
    const queue = new FrameQueue({ siteId: () => siteId, admit: (frame) => frame, commit })
    const [a, b] = [socket(), socket()]
    queue.add(a, agentIds[0], JSON.stringify(ofA))
    queue.add(b, agentIds[1], JSON.stringify(ofB))
    await turn()
    expect(transactions).toEqual([[ofA[0]?.id], [ofB.id]])
    expect(b.sent).toEqual([{ type: 'ack', ids: [ofB.id] }])
    expect(a.sent).toEqual([
      { type: 'ack', ids: [ofA[0]?.id] },
      { type: 'error', code: 'internal', message: expect.any(String), event_id: ofA[1]?.id, retryable: true },
    ])
  })

  it('admits frames in the turn that stores them, answers each one refused, and stores the rest', async () => {
    const { transactions, commit } = commits()
    const ofA = [factsFrame(siteId, agentIds[0], {}), factsFrame(siteId, agentIds[0], { arch: 'x' })]
    const queue = new FrameQueue({
      siteId: () => siteId,
      admit: (frame) => {
        if (frame.id === ofA[0]?.id) throw new Error('not this one')
        return frame
      },
      commit,
    })
    const a = socket()
    queue.add(a, agentIds[0], JSON.stringify(ofA))
    expect(a.sent).toEqual([])
    await turn()
    expect(a.sent).toMatchObject([
      { type: 'error', event_id: ofA[0]?.id, retryable: true },
      { type: 'ack', ids: [ofA[1]?.id] },
    ])
    expect(transactions).toEqual([[ofA[1]?.id]])
  })
})
