import { EventType, type LoggedEvent, type StepOutput } from '../../schema/events'
import { utf8Length } from '../lib/utf8'

/** One output chunk as the archive counts it: the attempt it belongs to, and the lines and bytes it adds to that attempt's file. */
export interface ChunkTally {
  seq: number
  agentId: string
  index: number
  attempt: number
  lines: number
  /** UTF-8 bytes of its lines as the archive writes them (see `formatLine`). */
  bytes: number
}

/** What a chunk adds to its attempt's file in the archive: one `<time> <stream> <text>\n` per line. */
export const tallyChunk = (seq: number, data: StepOutput): ChunkTally => {
  let bytes = 0
  for (const line of data.lines) bytes += utf8Length(line.at) + line.stream.length + utf8Length(line.text) + 3
  return {
    seq,
    agentId: data.agent_id,
    index: data.index,
    attempt: data.attempt,
    lines: data.lines.length,
    bytes,
  }
}

/**
 * Output counted as it is stored, per run, so that archiving knows every file's size (a tar
 * header carries it, before the file's bytes) without reading the output twice. It lives in
 * the object's memory: a run whose chunks were not all counted here (the object restarted
 * meanwhile) is counted from the log instead.
 */
export class OutputTallies {
  private readonly byRun = new Map<string, Map<number, ChunkTally>>()

  /** Counts a stored event, if it is output; an archived run's count is dropped. */
  add(event: LoggedEvent) {
    if (event.type === EventType.runArchived) {
      this.byRun.delete((event.data as { run_id: string }).run_id)
      return
    }
    if (event.type !== EventType.stepOutput) return
    const data = event.data as StepOutput
    let run = this.byRun.get(data.run_id)
    if (!run) {
      run = new Map()
      this.byRun.set(data.run_id, run)
    }
    run.set(event.seq, tallyChunk(event.seq, data))
  }

  /** The counts of these chunks of a run, in their order, if every one was counted. */
  of(runId: string, seqs: readonly number[]): ChunkTally[] | undefined {
    const run = this.byRun.get(runId)
    const tallies: ChunkTally[] = []
    for (const seq of seqs) {
      const tally = run?.get(seq)
      if (!tally) return undefined
      tallies.push(tally)
    }
    return tallies
  }
}
