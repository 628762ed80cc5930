/**
 * What one agent frame costs the site object's JavaScript, piece by piece, measured in Node
 * (the same V8 as workerd) on the platform's own code where it can be imported: reading the
 * frame (`readAgentMessage`: size check, JSON.parse, valibot), serialising it for the log, the
 * log's insert in a SQLite file with the log's own indexes (WAL, an fsync per commit as the
 * Durable Object does), the run book's preview work for an output chunk, and reading a run's
 * row, whose `request` lists every target. Then the archive of scenario A's run, built by
 * the platform's own `buildArchive` from chunks held in memory (no SQLite reads), beside
 * its gzip alone. It does not replace profiling workerd; it says which pieces could matter.
 *
 *   npx tsx bench/runs/frame-cost.ts [--agents 1000] [--lines 1000] [--line-bytes 64]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'libsql'
import { stepFinished, stepOutput, stepStarted } from '../../agent/frames'
import type { AgentFrame } from '../../schema/agent/protocol'
import type { CloudEvent, LoggedEvent, StepOutput } from '../../schema/events'
import type { OutputLine } from '../../schema/tasks/run-request'
import { readAgentMessage } from '../../worker/agents/agent-messages'
import { utf8Length } from '../../worker/lib/utf8'
import { tallyChunk } from '../../worker/runs/output-tallies'
import { type ArchiveSource, buildArchive, formatLine } from '../../worker/runs/run-archive'
import type { RunRow } from '../../worker/runs/run-book'
import { formatTable } from '../lib/table'
import { agentChunks, printedText } from './step-output'

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    lines: { type: 'string', default: '1000' },
    'line-bytes': { type: 'string', default: '64' },
  },
})
const ITERATIONS = 400
const siteId = '01M85DPMPYTQ2J5XXYHWHNEFZS'
const agentId = '01M85DPNZS268RG31KS5JN51RE'
const sender = { site_id: siteId, agent_id: agentId }
const ref = { run_id: '01M85DPNZS268RG31KS5JN51RF', index: 0, attempt: 1 }

/** Median µs of `fn` over ITERATIONS calls, after a warm-up. */
const time = (fn: (i: number) => void): number => {
  for (let i = 0; i < 50; i++) fn(i)
  const samples: number[] = []
  for (let i = 0; i < ITERATIONS; i++) {
    const began = performance.now()
    fn(i)
    samples.push((performance.now() - began) * 1000)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN
}

const chunks: OutputLine[][] = []
agentChunks(printedText({ lines: Number(args.lines), lineBytes: Number(args['line-bytes']) }), (lines) =>
  chunks.push(lines),
)
const frames: [string, AgentFrame][] = [
  ['step.started', stepStarted(sender, ref, 42)],
  [`step.output (${chunks[0]?.length ?? 0} lines)`, stepOutput(sender, ref, 0, chunks[0] ?? [])],
  [
    'step.finished',
    stepFinished(sender, ref, {
      outcome: 'succeeded',
      exit_code: 0,
      signal: null,
      duration_ms: 5,
      message: null,
    }),
  ],
]

const dir = mkdtempSync(join(tmpdir(), 'sitewire-bench-frame-cost-'))
const db = new Database(join(dir, 'log.db'))
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
// The log's table and indexes (worker/site/migrations/0000_init.sql and 0001_runs.sql).
db.exec(`
  CREATE TABLE events (seq integer PRIMARY KEY NOT NULL, id text NOT NULL, source text NOT NULL,
    type text NOT NULL, subject text, time text NOT NULL, body text NOT NULL);
  CREATE UNIQUE INDEX events_source_id ON events (source, id);
  CREATE INDEX events_type_seq ON events (type, seq);
  CREATE INDEX events_subject_type ON events (subject, type, seq);`)
const existing = db.prepare('SELECT seq FROM events WHERE source = ? AND id = ?')
const insert = db.prepare(
  'INSERT INTO events (seq, id, source, type, subject, time, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
)
let seq = 0

const rows = frames.map(([name, frame]) => {
  const text = JSON.stringify(frame)
  const read = time(() => readAgentMessage(text, agentId, siteId))
  const [parsed] = readAgentMessage(text, agentId, siteId).frames
  if (!parsed) throw new Error(`${name} was refused`)
  const stored = { ...parsed, subject: ref.run_id, seq: 1 }
  const serialise = time(() => JSON.stringify(stored))
  const body = JSON.stringify(stored)
  const append = time((i) => {
    const id = `${frame.id}-${i}-${seq}`
    db.transaction(() => {
      existing.get(frame.source, id)
      seq += 1
      insert.run(seq, id, frame.source, frame.type, ref.run_id, frame.time ?? '', body)
    })()
  })
  const lines = frame.type === 'io.sitewire.step.output' ? (frame.data as { lines: OutputLine[] }).lines : []
  // The run book's work for a chunk (bytes counted line by line, previews kept and stored as
  // JSON), and the archive's count of what the chunk adds to its file.
  const previews = lines.length
    ? time(() => {
        lines.reduce((total, line) => total + utf8Length(line.text), 0)
        JSON.stringify(lines.slice(0, 20))
        JSON.stringify(lines.slice(-20))
        tallyChunk(1, frame.data as StepOutput)
      })
    : 0
  return [
    name,
    Buffer.byteLength(text),
    read,
    serialise,
    append,
    previews,
    read + serialise + append + previews,
  ]
})
db.close()
rmSync(dir, { recursive: true, force: true })

console.log(
  `Median µs per frame over ${ITERATIONS} (Node ${process.version}; the SQLite file in ${tmpdir()}, WAL, synchronous=FULL):`,
)
console.log(
  formatTable(
    [
      'frame',
      'JSON bytes',
      'readAgentMessage µs',
      'JSON.stringify µs',
      'SQLite append + commit µs',
      'previews and count µs',
      'sum µs',
    ],
    rows,
  ),
)

// A run's row holds its request, which lists every target: the run book reads the row (and so
// parses that list) for each step dispatched, each step sent, each output chunk admitted, each
// step finished, and in every advance of the working runs.
const agents = Number(args.agents)
const ulid = (i: number) => `01M85DPNZS268RG31K${String(i).padStart(8, '0')}`
const request = JSON.stringify({
  run_id: ref.run_id,
  task_id: ulid(0),
  task_version: 1,
  params: {},
  agent_ids: Array.from({ length: agents }, (_, i) => ulid(i)),
  from_step: 0,
  strategy: { mode: 'parallel', concurrency: agents },
  failure: { policy: 'continue' },
  deadline_at: new Date().toISOString(),
  not_before: null,
  trigger: { kind: 'api' },
})
const parseRequest = time(() => JSON.parse(request))
console.log(
  `\nParsing a run's request with ${agents} targets (${Buffer.byteLength(request)} bytes): ${parseRequest.toFixed(0)} µs median`,
)

// The archive of one run: every agent's chunks, stored as the log stores them (JSON text).
const bodies: string[] = []
for (let a = 0; a < agents; a++)
  for (const [c, lines] of chunks.entries())
    bodies.push(
      JSON.stringify({
        ...stepOutput({ site_id: siteId, agent_id: ulid(a) }, ref, c, lines),
        subject: ref.run_id,
      }),
    )
const event = (i: number): LoggedEvent =>
  ({ ...(JSON.parse(bodies[i] as string) as CloudEvent), seq: i + 1 }) as LoggedEvent
// Counted as the site counts each chunk once it is stored; the build without them counts from the log first.
let began = performance.now()
const counts = bodies.map((_, i) => tallyChunk(i + 1, event(i).data as StepOutput))
const countMs = performance.now() - began
const seqs = bodies.map((_, i) => i + 1)
const sourceOf = (counted: boolean): ArchiveSource => ({
  seqs: () => seqs,
  bySeq: (wanted) => wanted.map((seq) => event(seq - 1)),
  counted: () => (counted ? counts : undefined),
})
const now = new Date().toISOString()
const run = {
  id: ref.run_id,
  taskId: ulid(0),
  taskVersion: 1,
  status: 'succeeded',
  request: JSON.parse(request),
  requestedBy: 'key/bench',
  requestedAt: now,
  updatedAt: now,
  finishedAt: now,
  reason: null,
  cancelRequested: false,
  archive: null,
  dueAt: null,
} as RunRow
const printed =
  printedText({ lines: Number(args.lines), lineBytes: Number(args['line-bytes']) }).length * agents
const about = { siteId, run, taskName: 'bench', stepNames: ['print'], steps: [] }
began = performance.now()
const built = await buildArchive(sourceOf(true), about)
const buildMs = performance.now() - began
began = performance.now()
await buildArchive(sourceOf(false), about)
const uncountedMs = performance.now() - began
began = performance.now()
for (let i = 0; i < bodies.length; i++) event(i)
const parseMs = performance.now() - began
// The same formatted text through gzip alone, as the archive's CompressionStream sees it.
began = performance.now()
const gzip = new CompressionStream('gzip')
const gzipped = new Response(gzip.readable).arrayBuffer()
const writer = gzip.writable.getWriter()
const encoder = new TextEncoder()
for (let i = 0; i < bodies.length; i++) {
  let text = ''
  for (const line of (JSON.parse(bodies[i] as string) as { data: { lines: OutputLine[] } }).data.lines)
    text += formatLine(line)
  await writer.write(encoder.encode(text))
}
await writer.close()
await gzipped
const gzipMs = performance.now() - began - parseMs
console.log(
  `buildArchive for ${agents} agents × ${args.lines} lines (${(printed / 1e6).toFixed(1)} MB printed, ${bodies.length} chunks): ` +
    `${(buildMs / 1000).toFixed(2)} s, ${(printed / 1e6 / (buildMs / 1000)).toFixed(1)} MB/s; ${(built.bytes.length / 1e6).toFixed(1)} MB gzipped. ` +
    `Counting the chunks as they are stored took ${(countMs / 1000).toFixed(2)} s in all; a build without those counts (the site restarted mid-run) ` +
    `${(uncountedMs / 1000).toFixed(2)} s. Of the same work alone: parsing every chunk once ${(parseMs / 1000).toFixed(2)} s, ` +
    `formatting and gzip ${(gzipMs / 1000).toFixed(2)} s.`,
)
