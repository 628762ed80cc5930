import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { inspectSpool, Spool, type SpoolEntry } from './spool'
import { listSegments, segmentFile } from './spool-files'
import { tempDir } from './testing/temp-dir'

const spoolDir = () => join(tempDir(), 'spool')

const event = (n: number, padding = 0): SpoolEntry => {
  const id = `E${String(n).padStart(4, '0')}`
  return { id, text: JSON.stringify({ id, data: 'x'.repeat(padding) }) }
}
const ids = (spool: Spool) => [...spool.entries()].map((entry) => entry.id)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('Spool', () => {
  it('keeps events until acked, in order, across reopening', () => {
    const dir = spoolDir()
    const spool = Spool.open(dir, { maxBytes: 1_000_000 })
    for (const n of range(1, 5)) spool.append(event(n))
    expect(spool.ack(['E0002', 'E0004', 'unknown'])).toEqual(['E0002', 'E0004'])
    expect(ids(spool)).toEqual(['E0001', 'E0003', 'E0005'])
    spool.close()

    const reopened = Spool.open(dir, { maxBytes: 1_000_000 })
    expect(ids(reopened)).toEqual(['E0001', 'E0003', 'E0005'])
    expect([...reopened.entries()][1]).toEqual(event(3))
    reopened.append(event(6))
    expect(ids(reopened)).toEqual(['E0001', 'E0003', 'E0005', 'E0006'])
    expect(reopened.stats.count).toBe(4)
    reopened.close()
    expect(inspectSpool(dir)).toEqual({ count: 4, bytes: expect.any(Number), dropped: 0 })
  })

  it('drops the oldest events over the cap and keeps their count', () => {
    const dir = spoolDir()
    const size = Buffer.byteLength(event(1, 80).text) + 1
    const spool = Spool.open(dir, { maxBytes: size * 3 })
    expect(spool.append(event(1, 80))).toBe(0)
    spool.append(event(2, 80))
    spool.append(event(3, 80))
    expect(spool.append(event(4, 80))).toBe(1)
    expect(spool.append(event(5, 80))).toBe(1)
    expect(ids(spool)).toEqual(['E0003', 'E0004', 'E0005'])
    expect(spool.stats).toEqual({ count: 3, bytes: size * 3, dropped: 2 })
    spool.close()

    const reopened = Spool.open(dir, { maxBytes: size * 3 })
    expect(reopened.stats.dropped).toBe(2)
    reopened.forgetDropped(2)
    reopened.close()
    expect(Spool.open(dir, { maxBytes: size * 3 }).stats.dropped).toBe(0)
  })

  it('applies a lowered cap when opened', () => {
    const dir = spoolDir()
    const spool = Spool.open(dir, { maxBytes: 1_000_000 })
    for (const n of range(1, 10)) spool.append(event(n, 80))
    spool.close()
    const size = Buffer.byteLength(event(1, 80).text) + 1
    const smaller = Spool.open(dir, { maxBytes: size * 4 })
    expect(ids(smaller)).toEqual(['E0007', 'E0008', 'E0009', 'E0010'])
    expect(smaller.stats.dropped).toBe(6)
  })

  it('compacts acked events away and keeps the unacked ones', () => {
    const dir = spoolDir()
    const spool = Spool.open(dir, { maxBytes: 1_000_000, segmentBytes: 1000 })
    for (const n of range(1, 100)) spool.append(event(n, 80))
    const segmentsBefore = listSegments(dir).length
    expect(segmentsBefore).toBeGreaterThan(5)

    const kept = ['E0003', 'E0050', 'E0097']
    spool.ack(
      range(1, 100)
        .map((n) => event(n).id)
        .filter((id) => !kept.includes(id)),
    )
    expect(ids(spool)).toEqual(kept)
    const segmentsAfter = listSegments(dir)
    expect(segmentsAfter.length).toBeLessThan(segmentsBefore)
    const onDisk = segmentsAfter.reduce((sum, n) => sum + statSync(join(dir, segmentFile(n))).size, 0)
    expect(onDisk).toBeLessThan(2000)
    expect(readFileSync(join(dir, 'acks.log'), 'utf8').split('\n').length).toBeLessThan(20)
    spool.close()

    expect(ids(Spool.open(dir, { maxBytes: 1_000_000, segmentBytes: 1000 }))).toEqual(kept)
  })

  it('tolerates an append cut short by a crash', () => {
    const dir = spoolDir()
    const spool = Spool.open(dir, { maxBytes: 1_000_000 })
    for (const n of range(1, 3)) spool.append(event(n))
    spool.ack(['E0001'])
    spool.close()
    const last = listSegments(dir).at(-1) ?? 0
    appendFileSync(join(dir, segmentFile(last)), '{"id":"E0004","da')
    appendFileSync(join(dir, 'acks.log'), 'E00')

    expect(inspectSpool(dir).count).toBe(2)
    const reopened = Spool.open(dir, { maxBytes: 1_000_000 })
    expect(ids(reopened)).toEqual(['E0002', 'E0003'])
    reopened.append(event(5))
    reopened.close()
    expect(ids(Spool.open(dir, { maxBytes: 1_000_000 }))).toEqual(['E0002', 'E0003', 'E0005'])
    expect(readdirSync(dir).some((name) => name.endsWith('.tmp'))).toBe(false)
  })
})
