import type { SiteFeature } from './feature'

/** When the alarm comes back for a feature's work that threw. */
const WORK_RETRY_MS = 30_000

/**
 * The object's one storage alarm, shared by the projector and every feature. It is set for the
 * soonest instant any of them is due, only ever moved sooner, and forgotten once it fires.
 * A feature whose work threw is held back until its retry.
 */
export class AlarmScheduler {
  /** Features whose work threw, and when it is tried again (ms). */
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

  /** Sets the alarm for the soonest instant any feature is due. */
  schedule(features: readonly SiteFeature[]) {
    for (const feature of features) {
      const at = this.dueAt(feature)
      if (at !== undefined) this.wakeAt(at)
    }
  }

  /** Whether a feature's work is due at `now`; one with work and no `due` works on every alarm. */
  isDue(feature: SiteFeature, now: number): boolean {
    if (!feature.work) return false
    if (feature.due === undefined) return (this.retries.get(feature.name) ?? 0) <= now
    const at = this.dueAt(feature)
    return at !== undefined && at <= now
  }

  /**
   * Runs each feature's work on its own: one that throws is reported and held back until its
   * retry, and the others still run. Each is held back until it succeeds, since a turn asks
   * for the alarm before a failure is known.
   */
  async work(
    features: readonly SiteFeature[],
    run: (feature: SiteFeature) => unknown,
    fault: (feature: SiteFeature, error: unknown) => void,
  ) {
    const retry = Date.now() + WORK_RETRY_MS
    for (const feature of features) this.retries.set(feature.name, retry)
    for (const feature of features) {
      try {
        await run(feature)
        this.retries.delete(feature.name)
      } catch (error) {
        fault(feature, error)
        this.wakeAt(retry)
      }
    }
  }

  private dueAt(feature: SiteFeature): number | undefined {
    const at = feature.due?.()
    const retry = this.retries.get(feature.name)
    return at === undefined || retry === undefined ? at : Math.max(at, retry)
  }
}
