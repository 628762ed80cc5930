import { describe, expect, it } from 'vitest'
import type { LoggedEvent } from '../../schema/events'
import type { SiteFeature } from './feature'
import { Reactions } from './reactions'

const event = (seq: number) => ({ seq, type: `com.example.e${seq}` }) as LoggedEvent

/** A reaction that only observes: it has nothing sent. */
const hearing =
  (observe: (events: readonly LoggedEvent[]) => unknown): SiteFeature['react'] =>
  (events) => {
    observe(events)
    return undefined
  }

/** Features that record what they heard, and a queue that reports what it did. */
const setup = (features: SiteFeature[]) => {
  const faults: string[] = []
  const dropped: number[] = []
  const performed: string[] = []
  let settled = 0
  const reactions = new Reactions(() => features, {
    settled: () => {
      settled += 1
    },
    perform: (effects) => performed.push(...effects.map((effect) => `${effect.to} ${effect.frame}`)),
    fault: (_message, feature, error) => {
      faults.push(`${feature}: ${(error as Error).message}`)
    },
    dropped: (count) => {
      dropped.push(count)
    },
  })
  return { reactions, faults, dropped, performed, settled: () => settled }
}

describe('the reactions queue', () => {
  it('reacts at once outside a turn, and after the job inside one, in the order events were committed', () => {
    const heard: number[] = []
    const { reactions, settled } = setup([
      { name: 'a', react: hearing((events) => heard.push(...events.map((e) => e.seq))) },
    ])
    reactions.push([event(1)])
    expect(heard).toEqual([1])
    const answer = reactions.turn(() => {
      reactions.push([event(2)])
      reactions.push([event(3)])
      expect(heard).toEqual([1])
      return 'answered'
    })
    expect(answer).toBe('answered')
    expect(heard).toEqual([1, 2, 3])
    expect(settled()).toBe(2)
  })

  it('queues what a reaction commits, so no feature is re-entered from its own reaction', () => {
    const trace: string[] = []
    let depth = 0
    const { reactions } = setup([
      {
        name: 'chain',
        react: hearing((events) => {
          depth += 1
          const seq = events[0]?.seq ?? 0
          trace.push(`in ${seq} at depth ${depth}`)
          if (seq < 3) reactions.push([event(seq + 1)])
          trace.push(`out ${seq}`)
          depth -= 1
        }),
      },
    ])
    reactions.push([event(1)])
    expect(trace).toEqual([
      'in 1 at depth 1',
      'out 1',
      'in 2 at depth 1',
      'out 2',
      'in 3 at depth 1',
      'out 3',
    ])
  })

  it('goes on with the other features when one throws, and reports it with its name', () => {
    const heard: string[] = []
    const { reactions, faults } = setup([
      {
        name: 'broken',
        react: hearing(() => {
          throw new Error('no')
        }),
      },
      { name: 'fine', react: hearing(() => heard.push('fine')) },
    ])
    reactions.push([event(1)])
    expect(heard).toEqual(['fine'])
    expect(faults).toEqual(['broken: no'])
  })

  it('carries out what a reaction has sent, once its events are stored', () => {
    const { reactions, performed } = setup([
      {
        name: 'sender',
        react: (events) => events.map((e) => ({ kind: 'send', to: 'agent:a', frame: `seq ${e.seq}` })),
      },
    ])
    reactions.push([event(1), event(2)])
    expect(performed).toEqual(['agent:a seq 1', 'agent:a seq 2'])
  })

  it('stops a feature that keeps answering itself, and says how much it dropped', () => {
    const { reactions, dropped } = setup([{ name: 'loop', react: hearing(() => reactions.push([event(1)])) }])
    reactions.push([event(1)])
    expect(dropped).toEqual([1])
  })

  it('still reacts to what was committed when the job throws, and lets the error through', () => {
    const heard: number[] = []
    const { reactions } = setup([
      { name: 'a', react: hearing((events) => heard.push(...events.map((e) => e.seq))) },
    ])
    expect(() =>
      reactions.turn(() => {
        reactions.push([event(7)])
        throw new Error('refused after a commit')
      }),
    ).toThrow('refused after a commit')
    expect(heard).toEqual([7])
  })
})
