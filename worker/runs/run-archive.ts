import { createTarPacker, type TarPackController } from 'modern-tar'
import type { ArchivedAttempt, RunArchiveManifest } from '../../schema/api/runs'
import type { LoggedEvent, StepOutput } from '../../schema/events'
import type { OutputLine } from '../../schema/tasks/run-request'
import { sha256Hex } from '../auth/api-keys'
import { gzipSink } from './gzip-stream'
import { type ChunkTally, tallyChunk } from './output-tallies'
import type { RunRow, RunStepRow } from './run-book'

/** Output events read from the log at a time (a chunk is up to about 250 KB): what the build holds of the output. */
const PAGE = 32

const encoder = new TextEncoder()

/** Where the build reads a run's output; the site's log answers it. */
export interface ArchiveSource {
  /** The `seq`s of the run's output events, oldest first. */
  seqs(): number[]
  /** The stored events with these `seq`s, oldest first. */
  bySeq(seqs: readonly number[]): LoggedEvent[]
  /** What was counted of these chunks as they were stored, if every one was. */
  counted(seqs: readonly number[]): ChunkTally[] | undefined
}

/** What the manifest says of the run besides its step attempts. */
export interface ArchivedRun {
  siteId: string
  run: RunRow
  taskName: string
  /** Each step's name in the task's version the run used, by index. */
  stepNames: readonly string[]
  /** Every attempt the run book knows of, with how it ended. */
  steps: readonly RunStepRow[]
}

export interface BuiltArchive {
  bytes: Uint8Array
  sha256: string
  lines: number
  /** How many output events went in, and the last one's `seq`: what the log may drop once it is stored. */
  events: number
  lastSeq: number
  manifest: RunArchiveManifest
}

/** One line of a log file: `<time> <stdout|stderr> <text>`, the time as the agent read the line. */
export const formatLine = (line: OutputLine) => `${line.at} ${line.stream} ${line.text}\n`

/** `Restart web (blue)` → `restart-web-blue`: a path segment any tar and file system take. */
export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '') || 'step'

interface FileTally {
  agentId: string
  index: number
  attempt: number
  seqs: number[]
  lines: number
  bytes: number
}

const keyOf = (agentId: string, index: number, attempt: number) => `${agentId}/${index}/${attempt}`

/**
 * Packs a finished run's output into a `.tar.gz`: `manifest.json` first, then one file per
 * agent and step attempt, its lines in log order. A tar header carries its file's size, and
 * the manifest every file's, so the sizes come first: from what was counted as the chunks were
 * stored, or, for a run the object did not see whole (it restarted meanwhile), from a first
 * read of its output. Then each file's chunks are read by `seq`, formatted and encoded once,
 * and streamed through gzip. The build holds one page of events, 40 bytes or so per chunk,
 * and the gzip stream collected in memory: the compressed archive (logs compress about tenfold).
 */
export const buildArchive = async (source: ArchiveSource, about: ArchivedRun): Promise<BuiltArchive> => {
  const seqs = source.seqs()
  const tallies = new Map<string, FileTally>()
  for (const chunk of source.counted(seqs) ?? (await countChunks(source, seqs))) {
    const key = keyOf(chunk.agentId, chunk.index, chunk.attempt)
    let tally = tallies.get(key)
    if (!tally) {
      tally = {
        agentId: chunk.agentId,
        index: chunk.index,
        attempt: chunk.attempt,
        seqs: [],
        lines: 0,
        bytes: 0,
      }
      tallies.set(key, tally)
    }
    tally.seqs.push(chunk.seq)
    tally.lines += chunk.lines
    tally.bytes += chunk.bytes
  }

  const manifest = manifestOf(about, tallies)
  const mtime = new Date(manifest.finished_at)
  const { readable, controller } = createTarPacker()
  const gzip = gzipSink()
  const stop = new AbortController()
  // A failed build stops the pipe, which cancels the tar and aborts the gzip; what failed is thrown below, once.
  const piped = readable.pipeTo(gzip.writable, { signal: stop.signal }).catch(() => undefined)
  const gzipped = gzip.gzipped
  try {
    const manifestBytes = encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`)
    await writeFile(controller, { name: 'manifest.json', size: manifestBytes.length, mtime }, [manifestBytes])
    for (const file of manifest.attempts) {
      const seqs = tallies.get(keyOf(file.agent_id, file.step, file.attempt))?.seqs ?? []
      await writeFile(controller, { name: file.file, size: file.bytes, mtime }, logOf(source, seqs))
    }
    controller.finalize()
  } catch (error) {
    stop.abort(error)
    await Promise.all([piped, gzipped.catch(() => undefined)])
    throw error
  }
  const bytes = await gzipped
  return {
    bytes,
    sha256: await sha256Hex(bytes),
    lines: manifest.lines,
    events: seqs.length,
    lastSeq: seqs.at(-1) ?? 0,
    manifest,
  }
}

/** Counts chunks from the log, a page at a time, yielding between pages so the object keeps answering. */
const countChunks = async (source: ArchiveSource, seqs: readonly number[]): Promise<ChunkTally[]> => {
  const counted: ChunkTally[] = []
  for (let i = 0; i < seqs.length; i += PAGE) {
    for (const event of pageOf(source, seqs.slice(i, i + PAGE)))
      counted.push(tallyChunk(event.seq, event.data as StepOutput))
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return counted
}

/** Only the archiver drops output, after a build: a chunk missing meanwhile is a fault, not a race. */
const pageOf = (source: ArchiveSource, wanted: readonly number[]) => {
  const page = source.bySeq(wanted)
  if (page.length !== wanted.length) throw new Error('output events went missing while archiving')
  return page
}

/** Writes one file; the bytes its chunks make must be the size its header announced. */
const writeFile = async (
  controller: TarPackController,
  header: { name: string; size: number; mtime: Date },
  chunks: Iterable<Uint8Array>,
) => {
  const writer = controller.add({ ...header, mode: 0o644 }).getWriter()
  let written = 0
  for (const chunk of chunks) {
    written += chunk.length
    await writer.write(chunk)
  }
  if (written !== header.size)
    throw new Error(`${header.name} came to ${written} bytes, not the ${header.size} counted`)
  await writer.close()
}

/** One file's lines, a chunk at a time, read a page of chunks at a time. */
function* logOf(source: ArchiveSource, seqs: readonly number[]) {
  for (let i = 0; i < seqs.length; i += PAGE) {
    for (const event of pageOf(source, seqs.slice(i, i + PAGE))) {
      let text = ''
      for (const line of (event.data as StepOutput).lines) text += formatLine(line)
      yield encoder.encode(text)
    }
  }
}

/** The run and every attempt, by agent, step and attempt; an attempt that printed nothing gets an empty file. */
const manifestOf = (about: ArchivedRun, tallies: Map<string, FileTally>): RunArchiveManifest => {
  const { run } = about
  const known = new Map<string, { agentId: string; index: number; attempt: number; step?: RunStepRow }>()
  for (const step of about.steps)
    known.set(keyOf(step.agentId, step.stepIndex, step.attempt), {
      agentId: step.agentId,
      index: step.stepIndex,
      attempt: step.attempt,
      step,
    })
  // Output of an attempt the run book has no row for (it never was dispatched) is kept all the same.
  for (const [key, tally] of tallies) if (!known.has(key)) known.set(key, tally)
  const attempts = [...known.entries()]
    .map(([key, { agentId, index, attempt, step }]): ArchivedAttempt => {
      const tally = tallies.get(key)
      const name = about.stepNames[index] ?? `step ${index + 1}`
      return {
        agent_id: agentId,
        step: index,
        step_name: name,
        attempt,
        outcome: step?.outcome ?? null,
        exit_code: step?.exitCode ?? null,
        signal: step?.signal ?? null,
        message: step?.message ?? null,
        started_at: step?.startedAt ?? null,
        finished_at: step?.finishedAt ?? null,
        duration_ms: step?.durationMs ?? null,
        lines: tally?.lines ?? 0,
        bytes: tally?.bytes ?? 0,
        file: `${agentId}/${index}-${slug(name)}/attempt-${attempt}.log`,
      }
    })
    .sort(
      (a, b) =>
        (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0) ||
        a.step - b.step ||
        a.attempt - b.attempt,
    )
  return {
    format: 1,
    run_id: run.id,
    site_id: about.siteId,
    task: { id: run.taskId, version: run.taskVersion, name: about.taskName },
    status: run.status,
    reason: run.reason,
    params: run.request.params,
    trigger: run.request.trigger,
    requested_by: run.requestedBy,
    requested_at: run.requestedAt,
    finished_at: run.finishedAt ?? run.updatedAt,
    lines: attempts.reduce((total, a) => total + a.lines, 0),
    bytes: attempts.reduce((total, a) => total + a.bytes, 0),
    attempts,
  }
}
