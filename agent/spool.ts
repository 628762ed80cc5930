import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import * as v from 'valibot'
import { entryId, listSegments, readCompleteLines, segmentFile } from './spool-files'
import { readJsonFile, syncDirectory, writeFileAtomic } from './state-dir'

/** One event waiting for the platform's ack: its id and its frame, as sent. */
export interface SpoolEntry {
  id: string
  text: string
}

export interface SpoolStats {
  /** Events not yet acknowledged. */
  count: number
  bytes: number
  /** Events dropped to keep under the size cap and not yet reported to the platform. */
  dropped: number
}

export interface SpoolOptions {
  maxBytes: number
  /** Size at which the spool starts a new segment file. */
  segmentBytes?: number
}

interface Stored extends SpoolEntry {
  bytes: number
  segment: number
}

interface Segment {
  size: number
  live: number
  settled: Set<string>
  settledBytes: number
}

const ACKS_FILE = 'acks.log'
const STATE_FILE = 'state.json'
const SpoolState = v.object({ dropped: v.pipe(v.number(), v.integer(), v.minValue(0)) })

const appendLines = (path: string, lines: string[], durable: boolean) => {
  const fd = openSync(path, 'a', 0o600)
  try {
    writeSync(fd, `${lines.join('\n')}\n`)
    if (durable) fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Reads the spool directory: segments of events, the ids settled since, the dropped count. */
const load = (dir: string) => {
  const acks = readCompleteLines(join(dir, ACKS_FILE))
  const settledIds = new Set(acks.lines)
  const pending = new Map<string, Stored>()
  const segments = new Map<number, Segment>()
  const tails =
    acks.size > acks.completeBytes ? [{ path: join(dir, ACKS_FILE), bytes: acks.completeBytes }] : []
  for (const number of listSegments(dir)) {
    const path = join(dir, segmentFile(number))
    const { lines, completeBytes, size } = readCompleteLines(path)
    if (size > completeBytes) tails.push({ path, bytes: completeBytes })
    const segment: Segment = { size: completeBytes, live: 0, settled: new Set(), settledBytes: 0 }
    for (const text of lines) {
      const id = entryId(text)
      const bytes = Buffer.byteLength(text) + 1
      if (id === undefined || pending.has(id) || settledIds.has(id)) {
        if (id !== undefined) segment.settled.add(id)
        segment.settledBytes += bytes
        continue
      }
      pending.set(id, { id, text, bytes, segment: number })
      segment.live++
    }
    segments.set(number, segment)
  }
  const dropped = readJsonFile(join(dir, STATE_FILE), SpoolState)?.dropped ?? 0
  return { pending, segments, dropped, tails }
}

/** The spool's figures, read without changing anything: safe while a running agent owns it. */
export const inspectSpool = (dir: string): SpoolStats => {
  const { pending, dropped } = load(dir)
  let bytes = 0
  for (const entry of pending.values()) bytes += entry.bytes
  return { count: pending.size, bytes, dropped }
}

/**
 * Every event the agent sends is written here first and leaves only once the platform has
 * acknowledged it, so nothing is lost while offline or across restarts. Events are JSON lines
 * in numbered segment files, fsync'd on append; acks are ids appended to `acks.log`. A
 * segment goes once all its events are settled, and is rewritten once half of it is.
 */
export class Spool {
  private bytes = 0
  private active: number
  private fd: number

  private constructor(
    private readonly dir: string,
    private readonly options: Required<SpoolOptions>,
    private readonly pending: Map<string, Stored>,
    private readonly segments: Map<number, Segment>,
    private dropped: number,
  ) {
    for (const entry of pending.values()) this.bytes += entry.bytes
    const last = [...segments.keys()].at(-1)
    this.active =
      last !== undefined && this.segment(last).size < options.segmentBytes ? last : this.nextSegment()
    this.fd = this.openActive()
  }

  static open(dir: string, options: SpoolOptions): Spool {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const { pending, segments, dropped, tails } = load(dir)
    for (const tail of tails) truncateSync(tail.path, tail.bytes)
    const segmentBytes = options.segmentBytes ?? Math.min(1024 * 1024, Math.ceil(options.maxBytes / 4))
    const spool = new Spool(dir, { ...options, segmentBytes }, pending, segments, dropped)
    // A cap lowered since the last run applies at once.
    spool.makeRoom(0)
    spool.compact()
    return spool
  }

  get stats(): SpoolStats {
    return { count: this.pending.size, bytes: this.bytes, dropped: this.dropped }
  }

  /** Waiting events, oldest first. */
  *entries(): IterableIterator<SpoolEntry> {
    for (const { id, text } of this.pending.values()) yield { id, text }
  }

  /** Stores an event durably; returns how many of the oldest events were dropped to make room. */
  append(entry: SpoolEntry): number {
    if (entry.text.includes('\n')) throw new Error('a spooled event is one line of JSON')
    if (this.pending.has(entry.id)) throw new Error(`event ${entry.id} is already spooled`)
    const bytes = Buffer.byteLength(entry.text) + 1
    if (bytes > this.options.maxBytes)
      throw new Error(`an event of ${bytes} bytes does not fit a spool of ${this.options.maxBytes}`)
    const dropped = this.makeRoom(bytes)
    if (this.segment(this.active).size >= this.options.segmentBytes) this.roll()
    writeSync(this.fd, `${entry.text}\n`)
    fsyncSync(this.fd)
    const segment = this.segment(this.active)
    segment.size += bytes
    segment.live++
    this.pending.set(entry.id, { ...entry, bytes, segment: this.active })
    this.bytes += bytes
    if (dropped > 0) this.compact()
    return dropped
  }

  /**
   * Settles acknowledged events; returns the ids that were waiting. Acks aren't fsync'd:
   * one lost in a crash only makes the agent resend an event the platform stores once.
   */
  ack(ids: Iterable<string>): string[] {
    const settled = this.settle(ids, false)
    if (settled.length > 0) this.compact()
    return settled
  }

  /** Called once the platform has been told about `count` dropped events. */
  forgetDropped(count: number) {
    this.dropped = Math.max(0, this.dropped - count)
    this.writeState()
  }

  close() {
    closeSync(this.fd)
  }

  private settle(ids: Iterable<string>, durable: boolean): string[] {
    const settled: string[] = []
    for (const id of ids) {
      const entry = this.pending.get(id)
      if (!entry) continue
      this.pending.delete(id)
      this.bytes -= entry.bytes
      const segment = this.segment(entry.segment)
      segment.live--
      segment.settled.add(id)
      segment.settledBytes += entry.bytes
      settled.push(id)
    }
    if (settled.length > 0) appendLines(join(this.dir, ACKS_FILE), settled, durable)
    return settled
  }

  private makeRoom(bytes: number): number {
    const victims: string[] = []
    let total = this.bytes
    for (const entry of this.pending.values()) {
      if (total + bytes <= this.options.maxBytes) break
      victims.push(entry.id)
      total -= entry.bytes
    }
    if (victims.length === 0) return 0
    this.settle(victims, true)
    this.dropped += victims.length
    this.writeState()
    return victims.length
  }

  /** Deletes settled segments, rewrites half-settled ones, then keeps only acks that still matter. */
  private compact() {
    let changed = false
    for (const [number, segment] of this.segments) {
      if (number === this.active) continue
      if (segment.live === 0) {
        rmSync(this.path(number), { force: true })
        this.segments.delete(number)
        changed = true
      } else if (segment.settledBytes * 2 >= segment.size) {
        this.rewrite(number, segment)
        changed = true
      }
    }
    if (!changed) return
    const stillSettled = [...this.segments.values()].flatMap((segment) => [...segment.settled])
    writeFileAtomic(join(this.dir, ACKS_FILE), stillSettled.map((id) => `${id}\n`).join(''))
  }

  private rewrite(number: number, segment: Segment) {
    const kept = [...this.pending.values()].filter((entry) => entry.segment === number)
    writeFileAtomic(this.path(number), kept.map((entry) => `${entry.text}\n`).join(''), { durable: true })
    segment.size = kept.reduce((sum, entry) => sum + entry.bytes, 0)
    segment.settled = new Set()
    segment.settledBytes = 0
  }

  private roll() {
    closeSync(this.fd)
    this.active = this.nextSegment()
    this.fd = this.openActive()
    this.compact()
  }

  /** Opens the segment appends go to; syncing the directory keeps a new segment file through a power cut. */
  private openActive(): number {
    const fd = openSync(this.path(this.active), 'a', 0o600)
    syncDirectory(this.dir)
    return fd
  }

  private nextSegment(): number {
    const number = ([...this.segments.keys()].at(-1) ?? 0) + 1
    this.segments.set(number, { size: 0, live: 0, settled: new Set(), settledBytes: 0 })
    return number
  }

  private segment(number: number): Segment {
    const segment = this.segments.get(number)
    if (!segment) throw new Error(`spool segment ${number} is unknown`)
    return segment
  }

  private path(number: number) {
    return join(this.dir, segmentFile(number))
  }

  private writeState() {
    writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify({ dropped: this.dropped }), { durable: true })
  }
}
