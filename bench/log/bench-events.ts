/** The one CloudEvent shape every target stores, so all of them move the same bytes. */
export interface BenchEvent {
  specversion: '1.0'
  id: string
  source: '/bench'
  type: 'com.example.bench'
  time?: string
  data: { host: string; check: string; latency_ms: number; ok: boolean; n: number }
}

/**
 * Makes events with ids unique across the whole run (the log and JetStream both drop a
 * repeated id as a duplicate, which would flatter them). About 200 bytes of JSON each.
 */
export const eventFactory = (runId: string) => {
  let n = 0
  const next = (): BenchEvent => {
    n += 1
    return {
      specversion: '1.0',
      id: `${runId}-${n}`,
      source: '/bench',
      type: 'com.example.bench',
      data: {
        host: `web-${n % 64}.example.net`,
        check: 'http',
        latency_ms: (n % 997) / 10,
        ok: n % 50 !== 0,
        n,
      },
    }
  }
  return { next, batch: (size: number) => Array.from({ length: size }, next) }
}

export type EventFactory = ReturnType<typeof eventFactory>
