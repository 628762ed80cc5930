import type { OutputLine } from '../../schema/tasks/run-request'

export interface ChunkLimits {
  /** Longest a line waits before it is sent, so output shows live. */
  intervalMs: number
  /** Size of a chunk's lines as JSON: far under MAX_FRAME_BYTES, even with one more line of the worst kind. */
  maxBytes: number
  maxLines: number
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { intervalMs: 250, maxBytes: 64 * 1024, maxLines: 1000 }

/**
 * Gathers lines into chunks: one goes when its first line has waited `intervalMs`, or when it
 * is full. A line of 16 Ki UTF-16 units escapes to at most 96 KiB of JSON, so a chunk is at
 * most `maxBytes` plus that: one frame, whatever a step prints.
 */
export class ChunkBatcher {
  private lines: OutputLine[] = []
  private bytes = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly send: (lines: OutputLine[]) => void,
    private readonly limits: ChunkLimits = DEFAULT_CHUNK_LIMITS,
  ) {}

  add(line: OutputLine) {
    const size = Buffer.byteLength(JSON.stringify(line)) + 1
    if (this.lines.length > 0 && this.bytes + size > this.limits.maxBytes) this.flush()
    this.lines.push(line)
    this.bytes += size
    if (this.lines.length >= this.limits.maxLines || this.bytes >= this.limits.maxBytes) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.limits.intervalMs)
  }

  flush() {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.lines.length === 0) return
    const lines = this.lines
    this.lines = []
    this.bytes = 0
    this.send(lines)
  }
}
