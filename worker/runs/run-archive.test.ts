import { unpackTar } from 'modern-tar'
import { describe, expect, it } from 'vitest'
import type { LoggedEvent, StepOutput } from '../../schema/events'
import { type ChunkTally, tallyChunk } from './output-tallies'
import { type ArchiveSource, buildArchive } from './run-archive'
import type { RunRow } from './run-book'

const runId = '01ARZ3NDEKTSV4RRFFQ69G5FAA'
const agents = ['01ARZ3NDEKTSV4RRFFQ69G5FAB', '01ARZ3NDEKTSV4RRFFQ69G5FAC'] as const
const at = '2026-01-02T03:04:05.000Z'

/** Chunks of two agents, interleaved as they arrive, with text of every width. */
const events: LoggedEvent[] = Array.from({ length: 70 }, (_, n) => {
  const data: StepOutput = {
    run_id: runId,
    agent_id: agents[n % 2] as string,
    index: 0,
    attempt: 1,
    chunk: Math.floor(n / 2),
    lines: [
      { at, stream: 'stdout', text: `line ${n} é ✓ 😀` },
      { at, stream: 'stderr', text: n % 7 === 0 ? '' : 'x'.repeat(n) },
    ],
  }
  return { seq: n * 3 + 1, data } as unknown as LoggedEvent
})
const bySeq = new Map(events.map((event) => [event.seq, event]))

const source = (counted: (seqs: readonly number[]) => ChunkTally[] | undefined): ArchiveSource => ({
  seqs: () => events.map((event) => event.seq),
  bySeq: (seqs) => seqs.map((seq) => bySeq.get(seq) as LoggedEvent),
  counted,
})
const counts = (seqs: readonly number[]) =>
  seqs.map((seq) => tallyChunk(seq, bySeq.get(seq)?.data as StepOutput))

const about = {
  siteId: '01ARZ3NDEKTSV4RRFFQ69G5FAD',
  run: {
    id: runId,
    taskId: runId,
    taskVersion: 1,
    status: 'succeeded',
    request: { params: {}, trigger: { kind: 'api' } },
    finishedAt: at,
  } as unknown as RunRow,
  taskName: 'print',
  stepNames: ['print'],
  steps: [],
}

const files = async (bytes: Uint8Array) => {
  const tar = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')))
  const entries = await unpackTar(new Uint8Array(await tar.arrayBuffer()))
  return new Map(entries.map((e) => [e.header.name, new TextDecoder().decode(e.data)]))
}

describe('buildArchive', () => {
  it('packs the same archive from the counts kept as output was stored as from the log alone', async () => {
    const counted = await buildArchive(source(counts), about)
    const fromLog = await buildArchive(
      source(() => undefined),
      about,
    )
    expect(counted.manifest).toEqual(fromLog.manifest)
    expect(counted.sha256).toBe(fromLog.sha256)
    expect(counted).toMatchObject({ events: 70, lastSeq: 70 * 3 - 2, lines: 140 })
    const unpacked = await files(counted.bytes)
    for (const [i, agentId] of agents.entries()) {
      const expected = events
        .filter((_, n) => n % 2 === i)
        .flatMap((event) => (event.data as StepOutput).lines)
        .map((line) => `${line.at} ${line.stream} ${line.text}\n`)
        .join('')
      expect(unpacked.get(`${agentId}/0-print/attempt-1.log`)).toBe(expected)
    }
  })

  it('fails rather than write a file whose size its header does not announce', async () => {
    const wrong = (seqs: readonly number[]) =>
      counts(seqs).map((tally, n) => (n === 5 ? { ...tally, bytes: tally.bytes + 1 } : tally))
    await expect(buildArchive(source(wrong), about)).rejects.toThrow(/not the \d+ counted/)
  })
})
