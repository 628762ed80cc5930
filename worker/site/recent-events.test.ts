import { describe, expect, it } from 'vitest'
import { EventType, type LoggedEvent } from '../../schema/events'
import { RecentEvents } from './recent-events'

const event = (seq: number, type = 'com.example.deploy'): LoggedEvent =>
  ({
    specversion: '1.0',
    id: `e-${seq}`,
    source: '/bench',
    type,
    subject: 'web-1',
    time: '2026-12-07T00:00:00.000Z',
    data: { seq },
    seq,
  }) as LoggedEvent

describe('the events kept for the projector', () => {
  it('answers what follows the cursor, and lets go of what the cursor has passed', () => {
    const recent = new RecentEvents()
    recent.add([event(1), event(2)])
    recent.add([event(3)])
    expect(recent.read(0, 2)?.map((e) => e.seq)).toEqual([1, 2])
    expect(recent.read(2, 10)?.map((e) => e.seq)).toEqual([3])
    expect(recent.read(3, 10)).toEqual([])
    recent.add([event(4)])
    expect(recent.read(3, 10)?.map((e) => e.seq)).toEqual([4])
  })

  it('answers nothing when it does not hold the events right after the cursor, so the log is read', () => {
    const recent = new RecentEvents()
    expect(recent.read(0, 10)).toBeUndefined()
    recent.add([event(5), event(6)])
    expect(recent.read(3, 10)).toBeUndefined()
    expect(recent.read(4, 10)?.map((e) => e.seq)).toEqual([5, 6])
  })

  it('keeps step output as its envelope only, as the projector reads it from the log', () => {
    const recent = new RecentEvents()
    recent.add([event(1, EventType.stepOutput)])
    expect(recent.read(0, 1)).toEqual([
      {
        specversion: '1.0',
        id: 'e-1',
        source: '/bench',
        type: EventType.stepOutput,
        subject: 'web-1',
        time: '2026-12-07T00:00:00.000Z',
        seq: 1,
      },
    ])
  })

  it('holds a bounded number: past it, the oldest go and the log answers for them', () => {
    const recent = new RecentEvents()
    recent.add(Array.from({ length: 5_001 }, (_, i) => event(i + 1)))
    expect(recent.read(0, 1)).toBeUndefined()
    expect(recent.read(1, 1)?.map((e) => e.seq)).toEqual([2])
  })
})
