import { createTarPacker, type TarPackController } from 'modern-tar'
import type { ArchivedAttempt, RunArchiveManifest } from '../../schema/api/runs'
import type { LoggedEvent, StepOutput } from '../../schema/events'
import type { OutputLine } from '../../schema/tasks/run-request'
import type { RunRow, RunStepRow } from './run-book'

/** Output events read from the log at a time, in either pass: what the build holds of the output. */
const PAGE = 200

const encoder = new TextEncoder()

/** Where the build reads a run's output; the site's log answers it. */
export interface ArchiveSource {
  /** The run's output events after `after`, oldest first, at most `limit`. */
  output(after: number, limit: number): LoggedEvent[]
  /** The stored events with these `seq`s, oldest first. */
  bySeq(seqs: readonly number[]): LoggedEvent[]
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
 * agent and step attempt, its lines in log order. A tar header carries its file's size, and a
 * run's chunks interleave agents, so a first pass over the output counts each file (keeping
 * only each chunk's `seq`) and a second reads each file's chunks back by `seq` as it writes
 * them. Either pass holds one page of events; the gzip stream is collected in memory, so the
 * bound is the compressed archive (logs compress about tenfold) plus 8 bytes per chunk.
 */
export const buildArchive = async (source: ArchiveSource, about: ArchivedRun): Promise<BuiltArchive> => {
  const tallies = new Map<string, FileTally>()
  let events = 0
  let lastSeq = 0
  for (let page = source.output(0, PAGE); page.length > 0; page = source.output(lastSeq, PAGE)) {
    for (const event of page) {
      const data = event.data as StepOutput
      const key = keyOf(data.agent_id, data.index, data.attempt)
      let tally = tallies.get(key)
      if (!tally) {
        tally = {
          agentId: data.agent_id,
          index: data.index,
          attempt: data.attempt,
          seqs: [],
          lines: 0,
          bytes: 0,
        }
        tallies.set(key, tally)
      }
      tally.seqs.push(event.seq)
      tally.lines += data.lines.length
      for (const line of data.lines) tally.bytes += encoder.encode(formatLine(line)).length
      lastSeq = event.seq
    }
    events += page.length
    // A long run's output is read in turns, so the object keeps answering meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 0))
  }

  const manifest = manifestOf(about, tallies)
  const mtime = new Date(manifest.finished_at)
  const { readable, controller } = createTarPacker()
  const gzipped = new Response(readable.pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
  try {
    const manifestBytes = encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`)
    await writeFile(controller, { name: 'manifest.json', size: manifestBytes.length, mtime }, [manifestBytes])
    for (const file of manifest.attempts) {
      const seqs = tallies.get(keyOf(file.agent_id, file.step, file.attempt))?.seqs ?? []
      await writeFile(controller, { name: file.file, size: file.bytes, mtime }, logOf(source, seqs))
    }
    controller.finalize()
  } catch (error) {
    controller.error(error)
    await gzipped.catch(() => undefined)
    throw error
  }
  const bytes = new Uint8Array(await gzipped)
  return { bytes, sha256: await sha256Hex(bytes), lines: manifest.lines, events, lastSeq, manifest }
}

const writeFile = async (
  controller: TarPackController,
  header: { name: string; size: number; mtime: Date },
  chunks: Iterable<Uint8Array>,
) => {
  const writer = controller.add({ ...header, mode: 0o644 }).getWriter()
  for (const chunk of chunks) await writer.write(chunk)
  await writer.close()
}

/** One file's lines, a page of its chunks at a time. */
function* logOf(source: ArchiveSource, seqs: readonly number[]) {
  for (let i = 0; i < seqs.length; i += PAGE) {
    const wanted = seqs.slice(i, i + PAGE)
    const page = source.bySeq(wanted)
    // Only the archiver drops output, after this build: a missing chunk is a fault, not a race.
    if (page.length !== wanted.length) throw new Error('output events went missing while archiving')
    let text = ''
    for (const event of page) for (const line of (event.data as StepOutput).lines) text += formatLine(line)
    yield encoder.encode(text)
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

const sha256Hex = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
