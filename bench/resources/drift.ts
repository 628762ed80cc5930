import { readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { type LatencySummary, summarize } from '../lib/stats'
import type { StatusStream } from './status-stream'

/** A file a real agent keeps, and what it should hold. */
export interface ManagedFile {
  resourceId: string
  path: string
  content: string
}

export interface DriftResult {
  samples: number
  /** From the write by hand to the file's content back, polled every POLL_MS. */
  repairedMs: LatencySummary
  /** From the write by hand to the agent's `DriftRepaired` report read off the site's event stream. */
  reportedMs: LatencySummary
  /** Samples not repaired, or not reported, within SAMPLE_TIMEOUT_MS. */
  missed: number
}

const POLL_MS = 5
const SAMPLE_TIMEOUT_MS = 15_000

/**
 * Changes managed files by hand, one at a time, and times the real agent's repair and its
 * report. A pause of random length between samples, so the writes fall anywhere in the
 * agent's drift-check interval rather than in step with it.
 */
export const measureDrift = async (
  files: readonly ManagedFile[],
  samples: number,
  intervalSeconds: number,
  stream: StatusStream,
): Promise<DriftResult> => {
  const repairedMs: number[] = []
  const reportedMs: number[] = []
  let missed = 0
  for (let i = 0; i < samples; i++) {
    const file = files[i % files.length] as ManagedFile
    await sleep(Math.random() * intervalSeconds * 1000)
    const reportsBefore = stream.reports.get(file.resourceId)?.length ?? 0
    const began = performance.now()
    writeFileSync(file.path, `changed by hand ${i}\n`)
    const deadline = began + SAMPLE_TIMEOUT_MS
    let repaired: number | undefined
    let reported: number | undefined
    while ((repaired === undefined || reported === undefined) && performance.now() < deadline) {
      if (repaired === undefined && readFileSync(file.path, 'utf8') === file.content)
        repaired = performance.now()
      const report = (stream.reports.get(file.resourceId) ?? [])
        .slice(reportsBefore)
        .find((seen) => seen.reason === 'DriftRepaired')
      if (reported === undefined && report) reported = report.atMs
      await sleep(POLL_MS)
    }
    if (repaired === undefined || reported === undefined) {
      missed += 1
      continue
    }
    repairedMs.push(repaired - began)
    reportedMs.push(reported - began)
  }
  return { samples, repairedMs: summarize(repairedMs), reportedMs: summarize(reportedMs), missed }
}
