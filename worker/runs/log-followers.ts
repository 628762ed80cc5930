import type { LogChunk, RunArchive } from '../../schema/api/runs'
import { EventType, type LoggedEvent, type RunFinished, type StepOutput } from '../../schema/events'

interface Follower {
  writer: WritableStreamDefaultWriter<Uint8Array>
  agentId: string | undefined
  lastSeq: number
}

const encoder = new TextEncoder()

export const toChunk = (event: LoggedEvent): LogChunk => {
  const data = event.data as StepOutput
  return {
    seq: event.seq,
    agent_id: data.agent_id,
    index: data.index,
    attempt: data.attempt,
    chunk: data.chunk,
    lines: data.lines,
  }
}

/**
 * Watchers of runs' output as server-sent events: the backlog from the log, then each chunk
 * as it is stored, each with its `seq` as the event id, so `Last-Event-ID` resumes a
 * dropped stream where it stopped. The stream ends with the run, in an `end` event that carries
 * its final status, reason and how many agents succeeded, failed or never started. Once the run is archived its
 * chunks are gone from the log: the stream says so with an `archived` event naming the download.
 */
export class LogFollowers {
  private readonly byRun = new Map<string, Set<Follower>>()

  constructor(private readonly backlog: (runId: string, after: number) => LoggedEvent[]) {}

  get count() {
    let total = 0
    for (const set of this.byRun.values()) total += set.size
    return total
  }

  open(
    runId: string,
    options: {
      after: number
      agentId: string | undefined
      /** The run's end, when it has ended: the stream ends at once with it. */
      finished: RunFinished | undefined
      /** Where the run's output went: its backlog is no longer in the log. */
      archived?: (RunArchive & { download: string }) | undefined
    },
  ): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
    const follower: Follower = {
      writer: writable.getWriter(),
      agentId: options.agentId,
      lastSeq: options.after,
    }
    for (
      let page = this.backlog(runId, follower.lastSeq);
      page.length > 0;
      page = this.backlog(runId, follower.lastSeq)
    ) {
      for (const event of page) this.write(runId, follower, event)
    }
    if (options.archived) {
      const { run_id, download, bytes, lines, sha256, deleted_at } = options.archived
      const data = { run_id, download, bytes, lines, sha256, deleted_at }
      void follower.writer.write(encoder.encode(`event: archived\ndata: ${JSON.stringify(data)}\n\n`))
    }
    if (options.finished) {
      this.end(runId, follower, options.finished)
    } else {
      const set = this.byRun.get(runId) ?? new Set()
      set.add(follower)
      this.byRun.set(runId, set)
    }
    return new Response(readable, {
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    })
  }

  /** A stored step or run event of a run someone follows. */
  publish(event: LoggedEvent) {
    const runId = (event.data as { run_id: string }).run_id
    const set = this.byRun.get(runId)
    if (!set) return
    for (const follower of set) {
      if (event.type === EventType.runFinished) this.end(runId, follower, event.data as RunFinished)
      else if (event.seq > follower.lastSeq) this.write(runId, follower, event)
    }
  }

  private write(runId: string, follower: Follower, event: LoggedEvent) {
    follower.lastSeq = event.seq
    const data = event.data as { agent_id?: string }
    if (follower.agentId && data.agent_id !== follower.agentId) return
    const payload =
      event.type === EventType.stepOutput
        ? `id: ${event.seq}\nevent: output\ndata: ${JSON.stringify(toChunk(event))}\n\n`
        : `id: ${event.seq}\nevent: ${event.type.slice('io.sitewire.'.length)}\ndata: ${JSON.stringify(event.data)}\n\n`
    follower.writer.write(encoder.encode(payload)).catch(() => this.drop(runId, follower))
  }

  /** The last event: the run's final status, why, and how its agents fared. */
  private end(runId: string, follower: Follower, finished: RunFinished) {
    follower.writer
      .write(encoder.encode(`event: end\ndata: ${JSON.stringify(finished)}\n\n`))
      .then(() => follower.writer.close())
      .catch(() => undefined)
    this.drop(runId, follower)
  }

  private drop(runId: string, follower: Follower) {
    const set = this.byRun.get(runId)
    set?.delete(follower)
    if (set?.size === 0) this.byRun.delete(runId)
  }
}
