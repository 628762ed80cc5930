import { MAX_FRAME_BYTES } from '../../schema/agent/protocol'
import { MAX_CHUNK_LINES } from '../../schema/events/run'
import type { OutputLine } from '../../schema/tasks/run-request'
import { MAX_LINE_LENGTH } from './lines'

export interface ChunkLimits {
  /** Longest a line waits before it is sent, so output shows live. */
  intervalMs: number
  /** Size of a chunk's lines as JSON: under MAX_FRAME_BYTES, even with one more line of the worst kind. */
  maxBytes: number
  maxLines: number
}

/** The most JSON one line takes: each of its UTF-16 units escaped to six bytes, plus its time and stream. */
const WORST_LINE_BYTES = MAX_LINE_LENGTH * 6 + 1024
/** Room for a frame's envelope and step reference around its lines. */
const ENVELOPE_BYTES = 4 * 1024

/**
 * Chunks as large as a frame holds: the platform's cost is mostly per chunk, so few large
 * chunks store a step's output several times faster than many small ones.
 */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = {
  intervalMs: 250,
  maxBytes: MAX_FRAME_BYTES - WORST_LINE_BYTES - ENVELOPE_BYTES,
  maxLines: MAX_CHUNK_LINES,
}

/**
 * Gathers lines into chunks: one goes when its first line has waited `intervalMs`, or when it
 * is full. A chunk is at most `maxBytes` plus one line of the worst kind: one frame, whatever
 * a step prints.
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
