import { EventType, type LoggedEvent } from '../../schema/events'
import { envelopeOf } from './event-log'

/** Events kept for the projector at most; beyond that it reads the log, as after a restart. */
const MAX_EVENTS = 5_000

/**
 * The events committed since the projector last read, in `seq` order, as it reads them from the
 * log (step output as its envelope only), so it need not read back and parse what the object
 * has just stored. Whatever is not here (after a restart, a rebuild, or a long libSQL outage)
 * it reads from the log.
 */
export class RecentEvents {
  #events: LoggedEvent[] = []

  add(fresh: readonly LoggedEvent[]) {
    for (const event of fresh)
      this.#events.push(event.type === EventType.stepOutput ? envelopeOf(event) : event)
    if (this.#events.length > MAX_EVENTS) this.#events = this.#events.slice(-MAX_EVENTS)
  }

  /**
   * Up to `limit` events after `after`, or undefined when some of them are not held here. What
   * is at or before `after` has been projected and is let go.
   */
  read(after: number, limit: number): LoggedEvent[] | undefined {
    const first = this.#events[0]
    if (!first || first.seq > after + 1) return undefined
    const start = this.#events.findIndex((event) => event.seq > after)
    if (start === -1) {
      this.#events = []
      return []
    }
    this.#events = this.#events.slice(start)
    return this.#events.slice(0, limit)
  }
}
