import { rmSync } from 'node:fs'
import { Facts } from '../schema/agent/facts'
import { diffFacts } from './facts/diff'
import { isNews } from './facts/news'
import { factsReported } from './frames'
import type { Identity } from './identity'
import { errorMessage, type Logger } from './log'
import type { Outbox } from './outbox'
import { readJsonFile, writeFileAtomic } from './state-dir'

export interface FactsReporterDeps {
  identity: Identity
  outbox: Outbox
  collect: () => Promise<Facts>
  /** Where the facts as last reported are kept, so a restart sends only what changed meanwhile. */
  baselinePath: string
  log: Logger
}

/** Reports the machine's facts as changes since the last report, through the spool, on an interval. */
export class FactsReporter {
  private baseline: Facts | undefined
  private queue: Promise<void> = Promise.resolve()
  private intervalSeconds = 0
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(private readonly deps: FactsReporterDeps) {
    try {
      this.baseline = readJsonFile(deps.baselinePath, Facts)
    } catch (error) {
      deps.log.warn('last reported facts unreadable, reporting all', { error: errorMessage(error) })
    }
  }

  /** Collects facts and spools a report of what changed; reports run one at a time. */
  report(): Promise<void> {
    this.queue = this.queue.then(() =>
      this.reportOnce().catch((error) =>
        this.deps.log.error('facts report failed', { error: errorMessage(error) }),
      ),
    )
    return this.queue
  }

  /** Reports every `seconds` from now on. */
  every(seconds: number) {
    this.intervalSeconds = seconds
    this.schedule()
  }

  /** No more reports; settles once the running one, if any, is spooled. */
  stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    return this.queue
  }

  /**
   * The platform may have missed or misordered a report (dropped from a full spool, or refused):
   * the next one is complete.
   */
  forget() {
    this.baseline = undefined
    rmSync(this.deps.baselinePath, { force: true })
  }

  private schedule() {
    clearTimeout(this.timer)
    if (this.stopped) return
    this.timer = setTimeout(() => void this.report().then(() => this.schedule()), this.intervalSeconds * 1000)
  }

  private async reportOnce() {
    if (this.stopped) return
    const facts = await this.deps.collect()
    const change = diffFacts(this.baseline, facts)
    if (!change || !isNews(change, this.baseline)) return
    const frame = factsReported(this.deps.identity, change)
    const dropped = this.deps.outbox.submit(frame)
    if (dropped === false) return
    if (dropped > 0) {
      this.forget()
    } else {
      this.baseline = facts
      writeFileAtomic(this.deps.baselinePath, JSON.stringify(facts))
    }
    this.deps.log.debug('facts reported', {
      id: frame.id,
      changed: Object.keys(change.changed),
      removed: change.removed,
    })
  }
}
