import type { OutputLine } from '../../schema/tasks/run-request'
import { ChunkBatcher } from './chunks'
import { LineReader } from './lines'
import type { Masker } from './mask'

/**
 * Most output one attempt sends, counted as UTF-8 text. Past it, lines are dropped: a step
 * printing without end must not fill the spool, whose cap would then drop other events.
 */
export const MAX_OUTPUT_BYTES = 8 * 1024 * 1024

export type Stream = OutputLine['stream']

/** What one attempt of a step prints: read into masked lines, capped, and sent in chunks. */
export class StepOutput {
  private readonly batcher: ChunkBatcher
  private readonly readers: Record<Stream, LineReader>
  private sentBytes = 0
  private droppedBytes = 0

  constructor(
    masker: Masker,
    send: (lines: OutputLine[]) => void,
    private readonly maxBytes = MAX_OUTPUT_BYTES,
  ) {
    this.batcher = new ChunkBatcher(send)
    const keep = (line: OutputLine) => this.keep(line)
    this.readers = {
      stdout: new LineReader('stdout', masker, keep),
      stderr: new LineReader('stderr', masker, keep),
    }
  }

  write(stream: Stream, data: Buffer | string) {
    this.readers[stream].write(data)
  }

  /** Sends what is left; returns what to tell the operator about output that was not sent, if any. */
  close(): string | null {
    this.readers.stdout.end()
    this.readers.stderr.end()
    this.batcher.flush()
    return this.droppedBytes > 0
      ? `output over ${this.maxBytes} bytes was not sent (${this.droppedBytes} bytes more)`
      : null
  }

  private keep(line: OutputLine) {
    const bytes = Buffer.byteLength(line.text) + 1
    if (this.droppedBytes === 0 && this.sentBytes + bytes <= this.maxBytes) {
      this.sentBytes += bytes
      return this.batcher.add(line)
    }
    if (this.droppedBytes === 0) {
      this.batcher.add({
        at: line.at,
        stream: 'stderr',
        text: `[sitewire-agent] output over ${this.maxBytes} bytes is not sent`,
      })
    }
    this.droppedBytes += bytes
  }
}
