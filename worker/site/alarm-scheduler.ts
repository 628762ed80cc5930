/**
 * The object's one storage alarm, shared by the projector and every feature: it is only ever
 * moved sooner, and forgotten once it fires, when each part says again when it is next due.
 */
export class AlarmScheduler {
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
}
