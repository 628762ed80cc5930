/**
 * Hrana-over-HTTP streams and their batons, after sqld's `hrana/http/stream.rs`: a stream owns one
 * database connection across HTTP requests; each response carries a fresh baton (stream id +
 * sequence number, signed with HMAC-SHA256), so requests on a stream are strictly serial and a
 * baton works once. Idle streams expire (their transaction is rolled back); an expired baton is
 * remembered for a while to answer STREAM_EXPIRED rather than "invalid baton".
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { SqlConnection } from './connection'
import type { LibsqlDatabase } from './database'
import { protocolError, streamExpired } from './errors'

export interface Stream {
  readonly id: string
  readonly idBytes: Buffer
  seq: bigint
  /** Undefined once the stream was closed by a `close` request. */
  conn: SqlConnection | undefined
  /** SQL texts stored with `store_sql`, scoped to the stream. */
  readonly sqls: Map<number, string>
  acquired: boolean
  timer: NodeJS.Timeout | undefined
}

/** How long an expired stream id keeps answering STREAM_EXPIRED (sqld: 300 s). */
const EXPIRED_MEMORY_MS = 300_000
const U64 = 2n ** 64n

export interface StreamOptions {
  idleTimeoutMs: number
  /** Called when an idle stream expires; `hadTransaction` tells whether it was rolled back. */
  onExpire?: (hadTransaction: boolean) => void
}

export class StreamRegistry {
  readonly #key = randomBytes(32)
  readonly #streams = new Map<string, Stream>()
  readonly #expired = new Map<string, number>()

  constructor(
    private readonly db: LibsqlDatabase,
    private readonly options: StreamOptions,
  ) {}

  get size(): number {
    return this.#streams.size
  }

  /** A new stream for a request without baton, or the stream the baton names. */
  acquire(baton: string | null | undefined): Stream {
    if (baton === null || baton === undefined) return this.#create()
    const decoded = this.#decode(baton)
    if (!decoded) throw protocolError('BATON_INVALID', 'Received an invalid baton')
    const stream = this.#streams.get(decoded.id)
    if (!stream) {
      if (this.#expired.has(decoded.id)) throw streamExpired()
      throw protocolError('BATON_INVALID', 'Received an invalid baton')
    }
    if (stream.acquired || stream.seq !== decoded.seq) {
      throw protocolError('BATON_REUSED', 'Received a baton that has already been used')
    }
    clearTimeout(stream.timer)
    stream.timer = undefined
    stream.acquired = true
    stream.seq = (stream.seq + 1n) % U64
    return stream
  }

  /** The baton for the stream's next request (known as soon as the stream is acquired). */
  nextBaton(stream: Stream): string | null {
    return stream.conn ? this.#encode(stream) : null
  }

  /** Makes the stream available again; returns its next baton, or null when it was closed. */
  release(stream: Stream): string | null {
    stream.acquired = false
    if (!stream.conn) {
      this.#streams.delete(stream.id)
      return null
    }
    stream.timer = setTimeout(() => this.#expire(stream), this.options.idleTimeoutMs)
    stream.timer.unref()
    return this.#encode(stream)
  }

  /** Ends the stream's connection (the `close` request); later requests on it are errors. */
  close(stream: Stream): void {
    if (!stream.conn) return
    this.db.release(stream.conn)
    stream.conn = undefined
  }

  /** Drops a stream after a request failed (sqld drops the guard without releasing it). */
  discard(stream: Stream): void {
    this.close(stream)
    clearTimeout(stream.timer)
    this.#streams.delete(stream.id)
  }

  /** Rolls back and closes every stream (shutdown). */
  closeAll(): void {
    for (const stream of this.#streams.values()) this.discard(stream)
    this.#expired.clear()
  }

  #create(): Stream {
    const idBytes = randomBytes(8)
    const stream: Stream = {
      id: idBytes.toString('hex'),
      idBytes,
      seq: randomBytes(8).readBigUInt64BE(),
      conn: this.db.acquire(),
      sqls: new Map(),
      acquired: true,
      timer: undefined,
    }
    this.#streams.set(stream.id, stream)
    return stream
  }

  #expire(stream: Stream): void {
    if (stream.acquired || !this.#streams.has(stream.id)) return
    const hadTransaction = stream.conn?.inTransaction ?? false
    this.discard(stream)
    const now = Date.now()
    for (const [id, at] of this.#expired) {
      if (now - at < EXPIRED_MEMORY_MS) break
      this.#expired.delete(id)
    }
    this.#expired.set(stream.id, now)
    this.options.onExpire?.(hadTransaction)
  }

  #mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest()
  }

  #encode(stream: Stream): string {
    const payload = Buffer.alloc(16)
    stream.idBytes.copy(payload, 0)
    payload.writeBigUInt64BE(stream.seq, 8)
    return Buffer.concat([payload, this.#mac(payload)])
      .toString('base64')
      .replace(/=+$/, '')
  }

  #decode(baton: string): { id: string; seq: bigint } | undefined {
    if (!/^[A-Za-z0-9+/]{64}$/.test(baton)) return undefined
    const data = Buffer.from(baton, 'base64')
    if (data.length !== 48) return undefined
    const payload = data.subarray(0, 16)
    if (!timingSafeEqual(data.subarray(16), this.#mac(payload))) return undefined
    return { id: payload.subarray(0, 8).toString('hex'), seq: payload.readBigUInt64BE(8) }
  }
}
