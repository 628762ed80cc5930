import type { LoggedEvent } from '../../schema/events'
import type { SiteEffect, SiteFeature } from './feature'

/** Enough rounds of reactions for any change to settle; more means a feature keeps answering itself. */
const MAX_ROUNDS = 10_000

/**
 * Committed events waiting for the features' reactions, and the one loop that runs them. A
 * reaction may commit again: its events join the queue and are reacted to after it, so no
 * feature is ever re-entered from inside its own reaction.
 */
export class Reactions {
  private readonly queue: LoggedEvent[][] = []
  private reacting = false

  constructor(
    private readonly features: () => readonly SiteFeature[],
    private readonly hooks: {
      /** Once the queue is empty: the alarm is set for whatever became due. */
      settled: () => void
      /** Carries out what a reaction asked for. */
      perform: (effects: readonly SiteEffect[]) => void
      fault: (message: string, feature: string, error: unknown) => void
      dropped: (count: number) => void
    },
  ) {}

  /** Queues freshly committed events; outside a turn they are reacted to at once. */
  push(events: LoggedEvent[]) {
    this.queue.push(events)
    if (!this.reacting) this.turn(() => undefined)
  }

  /** Runs `job`, then every reaction it caused, until none is left; a nested turn is part of the outer one. */
  turn<T>(job: () => T): T {
    if (this.reacting) return job()
    this.reacting = true
    try {
      return job()
    } finally {
      this.settle()
      this.reacting = false
    }
  }

  private settle() {
    for (let rounds = 0; this.queue.length > 0; rounds++) {
      if (rounds === MAX_ROUNDS) {
        this.hooks.dropped(this.queue.length)
        this.queue.length = 0
        break
      }
      const events = this.queue.shift() as LoggedEvent[]
      for (const feature of this.features()) {
        if (!feature.react) continue
        try {
          const effects = feature.react(events)
          if (effects?.length) this.hooks.perform(effects)
        } catch (error) {
          this.hooks.fault('reaction failed', feature.name, error)
        }
      }
    }
    this.hooks.settled()
  }
}
