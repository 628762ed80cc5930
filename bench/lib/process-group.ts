import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** One process as /proc shows it at one moment. */
export interface ProcessSample {
  pid: number
  label: string
  command: string
  rssKiB: number
  /** User + system CPU time so far, in seconds. */
  cpuSeconds: number
}

/** Clock ticks per second, the unit of CPU times in /proc. */
export const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  } catch {
    return 100
  }
})()

const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    // The process exited between listing and reading.
    return fallback
  }
}

/** Reads one process; undefined when it is gone or belongs to another group. */
export const sampleProcess = (pid: number, group?: number): ProcessSample | undefined => {
  const stat = readOr(`/proc/${pid}/stat`, '')
  // The command name in parentheses may hold spaces: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (fields.length < 13) return undefined
  if (group !== undefined && Number(fields[2]) !== group) return undefined
  const rss = /VmRSS:\s+(\d+)\s+kB/.exec(readOr(`/proc/${pid}/status`, ''))
  const command = readOr(`/proc/${pid}/cmdline`, '').split('\0').join(' ').trim()
  return {
    pid,
    label: labelOf(command),
    command,
    rssKiB: rss ? Number(rss[1]) : 0,
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticksPerSecond,
  }
}

/** Every live process whose process group is `pgid` (a group leader's pid). */
export const sampleGroup = (pgid: number): ProcessSample[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => sampleProcess(Number(name), pgid) ?? [])

/** Names the parts of the platform and its peers, so reports read as what they are. */
const labelOf = (command: string): string => {
  const program = command.split(' ')[0]?.split('/').at(-1) ?? ''
  if (program !== 'node') return program || 'unknown'
  // tsx runs a program as a small launcher process plus the Node process that does the work.
  const launcher = /tsx\/dist\/cli\.mjs|\.bin\/tsx /.test(command) ? ', tsx launcher' : ''
  if (/libsql-server/.test(command)) return `libSQL server (node${launcher})`
  if (/wrangler/.test(command)) return 'wrangler (node)'
  if (/local\/start\.ts/.test(command)) return `start script (node${launcher})`
  return 'node'
}
