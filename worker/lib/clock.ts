const OFFSET_KEY = 'clock_offset_ms'

/**
 * An object's time, read in one place so tests can move it. In production it is the
 * system's time: no offset is ever stored. A test moves it forward with `advanceForTests`;
 * the offset is kept in the object's storage so that it survives a restart of the object,
 * which is how tests play "the object was down".
 */
export class Clock {
  private offset: number

  constructor(private readonly kv: SyncKvStorage) {
    this.offset = kv.get<number>(OFFSET_KEY) ?? 0
  }

  now(): number {
    return Date.now() + this.offset
  }

  /** The system time (ms) at which this clock reads `at`: storage alarms go off on the system's time. */
  toSystem(at: number): number {
    return at - this.offset
  }

  /** This clock's reading when the system's time is `at`. */
  fromSystem(at: number): number {
    return at + this.offset
  }

  /** Tests only: moves this object's time forward by `ms`, for good. */
  advanceForTests(ms: number) {
    this.offset += ms
    this.kv.put(OFFSET_KEY, this.offset)
  }
}
