import type { RunReceipts } from './messages'

/**
 * One run over many clients as the clients saw it, in ms after the request was sent: when
 * they received their step (or job) and when their last message was acknowledged.
 */
export interface FanOut {
  clients: number
  received: number
  done: number
  firstReceivedMs?: number
  lastReceivedMs?: number
  /** Steps received per second, request to the last one received. */
  dispatchPerSecond?: number
  lastDoneMs?: number
  frames: number
  wireBytes: number
  printedBytes: number
  errors: number
  firstError?: string
}

/** Sums the workers' receipts of one run, relative to `requestedAtMs`. */
export const fanOut = (requestedAtMs: number, parts: RunReceipts[]): FanOut => {
  const received = parts.flatMap((p) => p.receivedAtMs).map((at) => at - requestedAtMs)
  const done = parts.flatMap((p) => p.doneAtMs).map((at) => at - requestedAtMs)
  const lastReceived = received.length ? Math.max(...received) : undefined
  const firstError = parts.find((p) => p.firstError)?.firstError
  return {
    clients: parts.reduce((sum, p) => sum + p.expected, 0),
    received: received.length,
    done: done.length,
    ...(received.length ? { firstReceivedMs: Math.min(...received) } : {}),
    ...(lastReceived === undefined
      ? {}
      : {
          lastReceivedMs: lastReceived,
          dispatchPerSecond: lastReceived > 0 ? (received.length * 1000) / lastReceived : Number.NaN,
        }),
    ...(done.length ? { lastDoneMs: Math.max(...done) } : {}),
    frames: parts.reduce((sum, p) => sum + p.frames, 0),
    wireBytes: parts.reduce((sum, p) => sum + p.wireBytes, 0),
    printedBytes: parts.reduce((sum, p) => sum + p.printedBytes, 0),
    errors: parts.reduce((sum, p) => sum + p.errors, 0),
    ...(firstError ? { firstError } : {}),
  }
}

/** MB (10⁶ bytes) per second; undefined when there is no time to divide by. */
export const mbPerSecond = (bytes: number, ms: number | undefined) =>
  ms && ms > 0 ? bytes / 1e6 / (ms / 1000) : undefined
