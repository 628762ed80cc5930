import { type AgentFrame, MAX_FRAME_BYTES } from '../schema/agent/protocol'
import type { Logger } from './log'
import { MessageBatch } from './message-batch'
import type { Spool } from './spool'

/** How many events may await their ack at once: enough to replay quickly, bounded so acks keep up. */
export const SEND_WINDOW = 100

export interface OutboxCounters {
  acked: number
  rejected: number
  too_large: number
}

/**
 * The way out for events: into the spool first, then onto the connection in spool order,
 * with at most `window` unacknowledged at a time. A new connection starts over from the
 * oldest event the platform hasn't acknowledged. When the platform takes several events in
 * one message (`batch_bytes` in its welcome), the events waiting go out together, as a JSON
 * array of at most that many bytes; events submitted in the same turn wait for each other,
 * so a step's last output and its end travel, and are stored, together.
 */
export class Outbox {
  readonly counters: OutboxCounters = { acked: 0, rejected: 0, too_large: 0 }
  private send: ((text: string) => void) | undefined
  /** Largest message of several events the connection takes; 0: one event per message. */
  private batchBytes = 0
  private pumpSoon: NodeJS.Immediate | undefined
  private readonly inFlight = new Set<string>()

  constructor(
    private readonly spool: Spool,
    private readonly log: Logger,
    private readonly window = SEND_WINDOW,
  ) {}

  get attached() {
    return this.send !== undefined
  }

  /** Spools an event and sends it when it can; returns how many old events the spool dropped, or false if it is too large to send. */
  submit(frame: AgentFrame): number | false {
    const text = JSON.stringify(frame)
    const bytes = Buffer.byteLength(text)
    if (bytes > MAX_FRAME_BYTES) {
      this.counters.too_large++
      this.log.error('event too large to send, dropped', {
        id: frame.id,
        type: frame.type,
        bytes,
        max_bytes: MAX_FRAME_BYTES,
      })
      return false
    }
    const dropped = this.spool.append({ id: frame.id, text })
    if (dropped > 0) this.log.warn('spool full, oldest events dropped', { dropped })
    this.pumpSoon ??= setImmediate(() => {
      this.pumpSoon = undefined
      this.pump()
    })
    return dropped
  }

  attach(send: (text: string) => void, batchBytes = 0) {
    this.send = send
    this.batchBytes = batchBytes
    this.inFlight.clear()
    this.pump()
  }

  detach() {
    this.send = undefined
    this.inFlight.clear()
  }

  /** The platform stored these events; returns how many were waiting. */
  acked(ids: string[]): number {
    const settled = this.spool.ack(ids)
    for (const id of ids) this.inFlight.delete(id)
    this.counters.acked += settled.length
    this.pump()
    return settled.length
  }

  /** The platform will never store this event: it leaves the spool. */
  rejected(id: string) {
    this.counters.rejected += this.spool.ack([id]).length
    this.inFlight.delete(id)
    this.pump()
  }

  private pump() {
    if (!this.send) return
    const batch = new MessageBatch(this.batchBytes, this.send)
    for (const entry of this.spool.entries()) {
      if (this.inFlight.size >= this.window) break
      if (this.inFlight.has(entry.id)) continue
      this.inFlight.add(entry.id)
      batch.add(entry.text)
    }
    batch.flush()
  }
}
