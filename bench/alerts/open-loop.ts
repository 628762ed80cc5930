import { Pool } from 'undici'

/** One request of a row: when it was sent and answered, on both clocks the analysis needs. */
export interface Sample {
  /** `performance.now()` just before the send. */
  sentAt: number
  /** `performance.now()` when the whole answer was read. */
  answeredAt: number
  /** `Date.now()` when the answer was read: the platform's log times are on this clock too. */
  answeredWallMs: number
  /** What the answer carried that the analysis joins on (the delivery id). */
  key?: string
}

export interface OpenLoopResult {
  samples: Sample[]
  /** Requests sent in the measured window. */
  sent: number
  errors: number
  firstError?: string
  /** Sent in the window and not answered within the drain time. */
  unanswered: number
  /** Measured window start, and the last answer of a request sent in it (`performance.now()`). */
  windowStart: number
  lastAnswerAt: number
  /** How long the answers still owed after the drain time took to come (or the limit). */
  settleSeconds: number
}

export interface Request {
  path: string
  headers: Record<string, string>
  body: string
  expected: number
  /** Reads what the analysis needs from a successful answer. */
  key?: (body: string) => string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * Offers requests at a steady rate, open loop (sending never waits for answers), on ticks
 * scheduled on absolute times so a late timer sends what it missed. A warm-up at the same rate
 * comes first and is not measured. Connections come from one keep-alive pool, opened before.
 */
export const offer = async (
  pool: Pool,
  make: () => Request,
  options: {
    perSecond: number
    tickMs: number
    warmupMs: number
    durationMs: number
    drainTimeoutMs: number
    settleTimeoutMs: number
  },
): Promise<OpenLoopResult> => {
  const samples: Sample[] = []
  const inFlight = new Set<Promise<void>>()
  let errors = 0
  let measuredErrors = 0
  let firstError: string | undefined
  let sent = 0
  let windowStart = Number.POSITIVE_INFINITY
  let lastAnswerAt = 0

  const send = (measured: boolean) => {
    const request = make()
    const sentAt = performance.now()
    if (measured) sent += 1
    const call: Promise<void> = pool
      .request({ method: 'POST', path: request.path, headers: request.headers, body: request.body })
      .then(async (response) => {
        const text = await response.body.text()
        if (response.statusCode !== request.expected)
          throw new Error(`POST answered ${response.statusCode}: ${text.slice(0, 200)}`)
        const answeredAt = performance.now()
        if (!measured) return
        lastAnswerAt = Math.max(lastAnswerAt, answeredAt)
        samples.push({
          sentAt,
          answeredAt,
          answeredWallMs: Date.now(),
          ...(request.key ? { key: request.key(text) } : {}),
        })
      })
      .catch((error: unknown) => {
        errors += 1
        if (measured) measuredErrors += 1
        firstError ??= (error as Error).message
      })
      .finally(() => inFlight.delete(call))
    inFlight.add(call)
  }

  const start = performance.now()
  const total = options.warmupMs + options.durationMs
  const due = (at: number) => Math.floor((Math.min(at, total) / 1000) * options.perSecond)
  let count = 0
  for (;;) {
    const elapsed = performance.now() - start
    const upTo = due(elapsed)
    for (; count < upTo; count += 1) {
      const measured = (count / options.perSecond) * 1000 >= options.warmupMs
      if (measured && windowStart === Number.POSITIVE_INFINITY) windowStart = performance.now()
      send(measured)
    }
    if (elapsed >= total) break
    await sleep(Math.min(options.tickMs, start + total - performance.now()))
  }
  const everyAnswer = Promise.all([...inFlight])
  await Promise.race([everyAnswer, sleep(options.drainTimeoutMs)])
  const result: OpenLoopResult = {
    samples: [...samples],
    sent,
    errors,
    ...(firstError ? { firstError } : {}),
    unanswered: Math.max(0, sent - samples.length - measuredErrors),
    windowStart,
    lastAnswerAt,
    settleSeconds: 0,
  }
  // Whatever is still queued in the platform would land in the next row: let it finish first.
  if (inFlight.size > 0) {
    const began = performance.now()
    await Promise.race([everyAnswer, sleep(options.settleTimeoutMs)])
    result.settleSeconds = (performance.now() - began) / 1000
  }
  return result
}

/** A keep-alive pool to the platform, sized for the most requests a row may have in flight. */
export const platformPool = (url: string) =>
  new Pool(url, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 })
