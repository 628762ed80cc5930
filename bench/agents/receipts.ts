import { monotonicMs, type RoundResult } from './messages'

/**
 * The receipt times of the current broadcast round for each client of one worker. Only the
 * first copy per client counts, and nothing is recorded until the round is armed, so a late
 * message of an earlier round cannot pass for this one. Two times per client: when the bytes
 * carrying the message reached its socket, and when the client library handed it over.
 */
export class Receipts {
  #at = new Float64Array(0)
  #arrivedAt = new Float64Array(0)
  #expected = 0
  #count = 0
  #round = -1
  #armed = false
  #waiter: (() => void) | undefined
  #cpuAtArm = process.cpuUsage()
  #gcMs = 0

  /** Room for `capacity` clients, numbered from 0 within the worker. */
  resize(capacity: number) {
    this.#at = new Float64Array(capacity).fill(Number.NaN)
    this.#arrivedAt = new Float64Array(capacity).fill(Number.NaN)
    this.#count = 0
  }

  /** How many clients are connected and so should receive each round. */
  expect(clients: number) {
    this.#expected = clients
  }

  /** `gcMs`: what the collection just before took, reported with the round. */
  arm(round: number, gcMs = 0) {
    this.#gcMs = gcMs
    this.#cpuAtArm = process.cpuUsage()
    this.#at.fill(Number.NaN)
    this.#arrivedAt.fill(Number.NaN)
    this.#count = 0
    this.#round = round
    this.#armed = true
  }

  /** `arrivedAtMs`: the socket's last data before the message was handed over (see `lastData`). */
  record(client: number, atMs: number, arrivedAtMs: number) {
    if (!this.#armed || !Number.isNaN(this.#at[client] ?? 0)) return
    this.#at[client] = atMs
    this.#arrivedAt[client] = arrivedAtMs
    this.#count += 1
    if (this.#count === this.#expected) this.#waiter?.()
  }

  /** Resolves when every client has the round, or when `timeoutMs` ran out; then disarms. */
  async settle(round: number, timeoutMs: number): Promise<RoundResult> {
    if (round !== this.#round) throw new Error(`round ${round} was never armed (armed: ${this.#round})`)
    if (this.#count < this.#expected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        this.#waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    this.#waiter = undefined
    this.#armed = false
    const cpu = process.cpuUsage(this.#cpuAtArm)
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      gcMs: this.#gcMs,
      round,
      expected: this.#expected,
      receivedAtMs: Array.from(this.#at).filter((at) => !Number.isNaN(at)),
      arrivedAtMs: Array.from(this.#arrivedAt).filter((at) => !Number.isNaN(at)),
    }
  }
}

/**
 * Notes when data last reached a client's socket, before the client library reads it (the
 * listener goes first). When the library hands a message over, that is when its bytes
 * arrived, or later if another frame (a pong) came in meanwhile: never earlier, so the
 * "at the socket" latency errs high. It leaves out the library's own work: parsing, and for
 * `ws` with permessage-deflate, inflating through zlib's thread pool, which `ws` runs at most
 * 10 at a time per process, a queue that 5,000 agents in one process share and that real
 * agents, one per machine, never see.
 */
export const lastData = (socket: NodeJS.EventEmitter) => {
  let at = Number.NaN
  socket.prependListener('data', () => {
    at = monotonicMs()
  })
  return () => at
}
