import * as v from 'valibot'
import type { StepRef } from '../frames'
import { readJsonFile, writeFileAtomic } from '../state-dir'

/** How many attempts the ledger remembers: far more than the platform resends after a reconnect. */
export const LEDGER_SIZE = 1000

const Entry = v.object({
  run_id: v.string(),
  index: v.number(),
  attempt: v.number(),
  state: v.picklist(['started', 'finished']),
  started_at: v.number(),
})
type Entry = v.InferOutput<typeof Entry>

const keyOf = (ref: StepRef) => `${ref.run_id}/${ref.index}/${ref.attempt}`
const pick = ({ run_id, index, attempt }: StepRef): StepRef => ({ run_id, index, attempt })

/**
 * The step attempts this agent took on, kept on disk so that none runs twice: the platform
 * sends a step again when it isn't sure the agent got it, and that may be after the agent
 * restarted. Each change is flushed before the agent acts on it.
 */
export class StepLedger {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly path: string,
    private readonly size = LEDGER_SIZE,
  ) {
    for (const entry of readJsonFile(path, v.array(Entry)) ?? []) this.entries.set(keyOf(entry), entry)
  }

  has(ref: StepRef): boolean {
    return this.entries.has(keyOf(ref))
  }

  /** Attempts started and never finished: the agent stopped without seeing them end. */
  unfinished(): (StepRef & { started_at: number })[] {
    return [...this.entries.values()].filter((entry) => entry.state === 'started')
  }

  started(ref: StepRef, at = Date.now()) {
    this.entries.set(keyOf(ref), { ...pick(ref), state: 'started', started_at: at })
    this.save()
  }

  finished(ref: StepRef) {
    const entry = this.entries.get(keyOf(ref))
    if (!entry) return
    entry.state = 'finished'
    this.save()
  }

  private save() {
    const kept = [...this.entries.values()].slice(-this.size)
    if (kept.length < this.entries.size) {
      this.entries.clear()
      for (const entry of kept) this.entries.set(keyOf(entry), entry)
    }
    writeFileAtomic(this.path, JSON.stringify(kept), { durable: true })
  }
}
