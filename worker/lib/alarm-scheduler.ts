/**
 * A part of an object with work from its alarm: `due` is when it next has work (ms), `work`
 * does it. A part with work and no `due` works on every alarm.
 */
export interface ScheduledPart {
  readonly name: string
  due?(): number | undefined
  work?(): unknown
}

/** When the alarm comes back for a part's work that threw. */
const WORK_RETRY_MS = 30_000

/**
 * An object's one storage alarm, shared by every part with work (a site's features, a
 * tenant's parts). It is set for the soonest instant any of them is due, only ever moved
 * sooner, and forgotten once it fires. A part whose work threw is held back until its retry.
 */
export class AlarmScheduler {
  /** Parts whose work threw, and when it is tried again (ms). */
  private readonly retries = new Map<string, number>()

  constructor(
    private readonly storage: DurableObjectStorage,
    /** When the stored alarm goes off (ms), as far as this instance knows. */
    private at: number | null,
  ) {}

  wakeAt(at: number) {
    if (this.at !== null && this.at <= at) return
    this.at = at
    void this.storage.setAlarm(at)
  }

  fired() {
    this.at = null
  }

  /** Sets the alarm for the soonest instant any part is due. */
  schedule(parts: readonly ScheduledPart[]) {
    for (const part of parts) {
      const at = this.dueAt(part)
      if (at !== undefined) this.wakeAt(at)
    }
  }

  /** Whether a part's work is due at `now`; one with work and no `due` works on every alarm. */
  isDue(part: ScheduledPart, now: number): boolean {
    if (!part.work) return false
    if (part.due === undefined) return (this.retries.get(part.name) ?? 0) <= now
    const at = this.dueAt(part)
    return at !== undefined && at <= now
  }

  /**
   * Runs each part's work on its own: one that throws is reported and held back until its
   * retry, and the others still run. Each is held back until it succeeds, since a turn asks
   * for the alarm before a failure is known.
   */
  async work(
    parts: readonly ScheduledPart[],
    run: (part: ScheduledPart) => unknown,
    fault: (part: ScheduledPart, error: unknown) => void,
  ) {
    const retry = Date.now() + WORK_RETRY_MS
    for (const part of parts) this.retries.set(part.name, retry)
    for (const part of parts) {
      try {
        await run(part)
        this.retries.delete(part.name)
      } catch (error) {
        fault(part, error)
        this.wakeAt(retry)
      }
    }
  }

  private dueAt(part: ScheduledPart): number | undefined {
    const at = part.due?.()
    const retry = this.retries.get(part.name)
    return at === undefined || retry === undefined ? at : Math.max(at, retry)
  }
}
