import { readdirSync, readFileSync } from 'node:fs'

/**
 * The complete lines of a JSON-lines file. A last line without its newline is an append a
 * crash cut short: it is left out, and `completeBytes` says where the good part ends.
 */
export const readCompleteLines = (path: string): { lines: string[]; completeBytes: number; size: number } => {
  let content: Buffer
  try {
    content = readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], completeBytes: 0, size: 0 }
    throw error
  }
  const completeBytes = content.lastIndexOf(0x0a) + 1
  const text = content.subarray(0, completeBytes).toString('utf8')
  return { lines: text === '' ? [] : text.slice(0, -1).split('\n'), completeBytes, size: content.length }
}

const SEGMENT = /^(\d{8})\.jsonl$/

export const segmentFile = (number: number) => `${String(number).padStart(8, '0')}.jsonl`

/** Segment numbers in the spool directory, oldest first. */
export const listSegments = (dir: string): number[] => {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return names
    .map((name) => SEGMENT.exec(name)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

/** The id of a spooled event, or `undefined` for a line that isn't one. */
export const entryId = (line: string): string | undefined => {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id
    return typeof id === 'string' && id !== '' ? id : undefined
  } catch {
    return undefined
  }
}
