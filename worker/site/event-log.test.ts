import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { EventLog } from './event-log'

const event = (id: string, type: string, data: unknown) => ({
  specversion: '1.0' as const,
  id,
  source: '/sites/01ARZ3NDEKTSV4RRFFQ69G5FAV/agents/01ARZ3NDEKTSV4RRFFQ69G5FAW',
  type,
  subject: '01ARZ3NDEKTSV4RRFFQ69G5FAX',
  time: '2026-01-02T03:04:05.000Z',
  data,
})

describe('EventLog.readWithoutOutput', () => {
  it('reads step output as its envelope only, and every other event whole', async () => {
    const stub = env.SITE.get(env.SITE.idFromName('event-log-read-without-output'))
    const { read, skipped } = await runInDurableObject(stub, (_instance, state) => {
      const log = new EventLog(state.storage.sql)
      const after = log.head
      log.append(
        [
          event('a', 'com.example.thing.happened', { ok: true }),
          event('b', 'io.sitewire.step.output', { lines: [{ at: 'now', stream: 'stdout', text: 'x' }] }),
        ],
        '2026-01-02T03:04:06.000Z',
      )
      return { read: log.read(after, 10), skipped: log.readWithoutOutput(after, 10) }
    })
    expect(skipped[0]).toEqual(read[0])
    const { data: _data, datacontenttype: _type, ...envelope } = read[1] as Record<string, unknown>
    expect(skipped[1]).toEqual(envelope)
    expect(skipped[1]).not.toHaveProperty('data')
  })
})
