import { describe, expect, it, vi } from 'vitest'
import { MAX_FRAME_BYTES } from '../../schema/agent/protocol'
import type { OutputLine } from '../../schema/tasks/run-request'
import { stepOutput } from '../frames'
import { testIdentity } from '../testing/steps'
import { ChunkBatcher, DEFAULT_CHUNK_LIMITS } from './chunks'
import { LineReader, MAX_LINE_LENGTH } from './lines'
import { Masker } from './mask'
import { StepOutput } from './output'

const clock = () => {
  let ms = Date.parse('2026-01-01T00:00:00.000Z')
  return () => {
    ms += 1000
    return new Date(ms)
  }
}

const reader = (masker = new Masker([])) => {
  const lines: OutputLine[] = []
  const read = new LineReader('stdout', masker, (line) => lines.push(line), clock())
  return { read, lines, texts: () => lines.map((line) => line.text) }
}

describe('LineReader', () => {
  it('cuts lines at newlines, stamps each with the read that ended it, and sends the last one at the end', () => {
    const { read, lines } = reader()
    read.write(Buffer.from('one\ntw'))
    read.write(Buffer.from('o\r\nthree\n\nfour'))
    expect(lines).toEqual([
      { at: '2026-01-01T00:00:01.000Z', stream: 'stdout', text: 'one' },
      { at: '2026-01-01T00:00:02.000Z', stream: 'stdout', text: 'two' },
      { at: '2026-01-01T00:00:02.000Z', stream: 'stdout', text: 'three' },
      { at: '2026-01-01T00:00:02.000Z', stream: 'stdout', text: '' },
    ])
    read.end()
    expect(lines.at(-1)).toEqual({ at: '2026-01-01T00:00:03.000Z', stream: 'stdout', text: 'four' })
  })

  it('decodes UTF-8 split across reads', () => {
    const { read, texts } = reader()
    const bytes = Buffer.from('h€llo ✓\n')
    read.write(bytes.subarray(0, 2))
    read.write(bytes.subarray(2, 9))
    read.write(bytes.subarray(9))
    expect(texts()).toEqual(['h€llo ✓'])
  })

  it('splits a line over 16 KiB without losing or mangling anything', () => {
    const { read, texts } = reader()
    const long = `${'a'.repeat(MAX_LINE_LENGTH - 1)}😀${'b'.repeat(MAX_LINE_LENGTH + 10)}`
    read.write(long.slice(0, 20_000))
    read.write(`${long.slice(20_000)}\n`)
    expect(texts().every((text) => text.length <= MAX_LINE_LENGTH)).toBe(true)
    expect(texts().join('')).toBe(long)
    // The emoji is not cut in half.
    expect(texts()[0]).toBe('a'.repeat(MAX_LINE_LENGTH - 1))
  })

  it('masks secrets, also one that spans the cut of a long line, and each line of a multi-line one', () => {
    const secret = 'hunter2-secret'
    const { read, texts } = reader(new Masker([secret, 'line-one\nline-two\nab']))
    read.write(`user ${secret} and ${secret}\n`)
    const before = 'x'.repeat(MAX_LINE_LENGTH - 5)
    read.write(before)
    read.write(`${secret}${'y'.repeat(MAX_LINE_LENGTH)}`)
    read.write('\nkey: line-two, ab\n')
    read.end()
    const all = texts()
    expect(all[0]).toBe('user *** and ***')
    expect(all.join('')).not.toContain('hunter2')
    expect(all.join('')).toContain(`${before}***`)
    expect(all.at(-1)).toBe('key: ***, ab')
    expect(all.every((text) => text.length <= MAX_LINE_LENGTH)).toBe(true)
  })
})

describe('Masker', () => {
  it('masks the longest match and leaves values under 4 characters alone', () => {
    const masker = new Masker(['abcd', 'abcdefgh', 'xyz'])
    expect(masker.mask('abcdefgh abcd xyz')).toBe('*** *** xyz')
    expect(masker.longest).toBe(8)
  })
})

describe('ChunkBatcher', () => {
  const line = (text: string): OutputLine => ({ at: '2026-01-01T00:00:00.000Z', stream: 'stdout', text })

  it('sends a chunk once its first line has waited the interval', () => {
    vi.useFakeTimers()
    try {
      const chunks: OutputLine[][] = []
      const batcher = new ChunkBatcher((lines) => chunks.push(lines))
      batcher.add(line('a'))
      vi.advanceTimersByTime(DEFAULT_CHUNK_LIMITS.intervalMs - 1)
      batcher.add(line('b'))
      expect(chunks).toEqual([])
      vi.advanceTimersByTime(1)
      expect(chunks).toEqual([[line('a'), line('b')]])
      batcher.add(line('c'))
      batcher.flush()
      expect(chunks).toEqual([[line('a'), line('b')], [line('c')]])
    } finally {
      vi.useRealTimers()
    }
  })

  it('sends full chunks at once: 10,000 lines, or as much JSON as a frame holds', () => {
    const { maxLines, maxBytes } = DEFAULT_CHUNK_LIMITS
    const byLines: OutputLine[][] = []
    const roomy = new ChunkBatcher((lines) => byLines.push(lines), { ...DEFAULT_CHUNK_LIMITS, maxBytes: 1e9 })
    for (let n = 0; n < maxLines * 2.5; n++) roomy.add(line(String(n)))
    roomy.flush()
    expect(byLines.map((chunk) => chunk.length)).toEqual([maxLines, maxLines, maxLines / 2])
    expect(byLines.flat().map((sent) => sent.text)).toEqual(
      Array.from({ length: maxLines * 2.5 }, (_, n) => String(n)),
    )

    const bySize: OutputLine[][] = []
    const batcher = new ChunkBatcher((lines) => bySize.push(lines))
    const long = line('z'.repeat(10_000))
    const perChunk = Math.floor(maxBytes / (Buffer.byteLength(JSON.stringify(long)) + 1))
    for (let n = 0; n < perChunk * 2 + 1; n++) batcher.add(long)
    const sizes = bySize.map((chunk) => Buffer.byteLength(JSON.stringify(chunk)))
    expect(bySize.map((chunk) => chunk.length)).toEqual([perChunk, perChunk])
    expect(sizes.every((size) => size <= maxBytes)).toBe(true)
    expect(maxBytes).toBeGreaterThan(128 * 1024)
  })

  it('keeps every frame under the protocol limit, even for lines that escape to six bytes a character', () => {
    const frames: number[] = []
    const output = new StepOutput(new Masker([]), (lines) => {
      const frame = stepOutput(
        testIdentity,
        { run_id: testIdentity.agent_id, index: 0, attempt: 1 },
        0,
        lines,
      )
      frames.push(Buffer.byteLength(JSON.stringify(frame)))
    })
    output.write('stdout', '\u0001'.repeat(300_000))
    output.write('stderr', `${'\u0002'.repeat(20_000)}\n`.repeat(10))
    output.close()
    expect(frames.length).toBeGreaterThan(3)
    expect(Math.max(...frames)).toBeLessThan(MAX_FRAME_BYTES)
  })
})

describe('StepOutput', () => {
  it('stops sending past its cap, says so once, and reports how much was not sent', () => {
    const chunks: OutputLine[][] = []
    const output = new StepOutput(new Masker([]), (lines) => chunks.push(lines), 10)
    output.write('stdout', 'abcd\nefgh\nijkl\nmnop\n')
    const note = output.close()
    expect(chunks.flat().map((line) => line.text)).toEqual([
      'abcd',
      'efgh',
      '[sitewire-agent] output over 10 bytes is not sent',
    ])
    expect(note).toBe('output over 10 bytes was not sent (10 bytes more)')
  })
})
