import type { RunReceipts } from './messages'

/**
 * The receipts of every run one worker's clients answered, by run id. A step may arrive
 * before the main process knows the run's id (the POST is still being answered), so
 * everything is recorded as it comes and collected by id later.
 */
export class RunLedger {
  readonly #runs = new Map<string, RunReceipts>()
  readonly #waiters = new Map<string, () => void>()

  constructor(private readonly expected: () => number) {}

  of(runId: string): RunReceipts {
    let receipts = this.#runs.get(runId)
    if (!receipts) {
      receipts = {
        expected: 0,
        receivedAtMs: [],
        doneAtMs: [],
        frames: 0,
        wireBytes: 0,
        printedBytes: 0,
        errors: 0,
      }
      this.#runs.set(runId, receipts)
    }
    return receipts
  }

  failed(runId: string, message: string) {
    const receipts = this.of(runId)
    receipts.errors += 1
    receipts.firstError ??= message
  }

  done(runId: string, atMs: number) {
    const receipts = this.of(runId)
    receipts.doneAtMs.push(atMs)
    if (receipts.doneAtMs.length >= this.expected()) this.#waiters.get(runId)?.()
  }

  /** Resolves when every client is done with `runId`, or at the timeout with what there is; then forgets the run. */
  async collect(runId: string, timeoutMs: number): Promise<RunReceipts> {
    const receipts = this.of(runId)
    if (receipts.doneAtMs.length < this.expected()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        this.#waiters.set(runId, () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    this.#waiters.delete(runId)
    this.#runs.delete(runId)
    return { ...receipts, expected: this.expected() }
  }
}
