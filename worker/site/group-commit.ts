import type { Settled } from './commit-path'

/**
 * Gathers requests that arrive together and hands them over as one group: the first of a
 * group waits one turn of the event loop, and whatever arrives meanwhile joins it. Each caller
 * gets its own outcome. Under load a group of appends then shares one transaction and one
 * commit to disk; alone, an append waits that one turn and no longer. (Agents' frames are
 * gathered the same way by their `FrameQueue`, which also flushes early past a byte limit.)
 */
export class GroupCommit<I, O> {
  #queue: { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = []

  constructor(private readonly flush: (inputs: I[]) => Settled<O>[]) {}

  add(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ input, resolve, reject }) === 1) setTimeout(() => this.#drain(), 0)
    })
  }

  #drain() {
    const queued = this.#queue
    this.#queue = []
    let outcomes: Settled<O>[]
    try {
      outcomes = this.flush(queued.map((entry) => entry.input))
    } catch (error) {
      for (const entry of queued) entry.reject(error)
      return
    }
    queued.forEach((entry, index) => {
      const outcome = outcomes[index] as Settled<O>
      if (outcome.ok) entry.resolve(outcome.value)
      else entry.reject(outcome.error)
    })
  }
}
