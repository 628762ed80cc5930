import { readFileSync, writeFileSync } from 'node:fs'
import type { describeMachine } from '../lib/machine'
import type { SizeResult } from './report'
import {
  broadcastTable,
  checkTargets,
  connectionsTable,
  cpuTable,
  memoryTable,
  ratiosTable,
  roundsTable,
} from './report'

const BEGIN = '<!-- bench:agents figures: written by `npm run bench:agents`, do not edit by hand -->'
const END = '<!-- bench:agents figures end -->'
const HEADING = '# Results: agents on one site'

export interface RunFacts {
  date: Date
  command: string
  minutes: number
  jsonFile: string
  machine: ReturnType<typeof describeMachine>
  software: string
  source: { commit: string; uncommittedOutsideBench: string[] }
  loadAverageEnd: number
  rounds: number
  clientWorkers: number
}

const block = (text: string) => ['```', text, '```'].join('\n')

/** The generated part of the Agents section: the run, the figures and the targets. */
const figures = (sizes: SizeResult[], run: RunFacts): string => {
  const m = run.machine
  const uncommitted = run.source.uncommittedOutsideBench.length
  const info: [string, string][] = [
    ['date', `${run.date.toISOString().slice(0, 16).replace('T', ', ')} UTC`],
    [
      'command',
      `\`${run.command}\` (${run.minutes.toFixed(1)} min); figures in [\`${run.jsonFile}\`](${run.jsonFile})`,
    ],
    ['machine', `${m.nproc} vCPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, Linux ${m.kernel}`],
    ['load', `load average ${m.loadAverage1m} at the start, ${run.loadAverageEnd} at the end`],
    ['software', run.software],
    [
      'source',
      `${run.source.commit.slice(0, 12)}${uncommitted ? ` with ${uncommitted} uncommitted files outside bench/` : ''}`,
    ],
    [
      'layout',
      `${run.clientWorkers} client processes share the clients on both sides; ${run.rounds} broadcasts per system and size`,
    ],
  ]
  const markdownInfo = [
    '|  |  |',
    '| --- | --- |',
    ...info.map(([key, value]) => `| ${key} | ${value} |`),
  ].join('\n')
  const targets = checkTargets(sizes)
  return [
    BEGIN,
    '',
    '## The run',
    '',
    markdownInfo,
    '',
    '## Figures',
    '',
    'Connections (enrol: each agent makes its key and enrols; connect: upgrade to `welcome`, or to SUBACK for MQTT):',
    '',
    block(connectionsTable(sizes)),
    '',
    'Resident memory once every client connected (sitewire: every process of `npm start`; floor: Miniflare and workerd):',
    '',
    block(memoryTable(sizes)),
    '',
    `Broadcast to every client, the median of ${run.rounds} rounds by p99. Latency from just before the send call to the client`,
    'library handing the message over (p50, p99, max), and to its bytes reaching the client socket (socket p50, p99):',
    '',
    block(broadcastTable(sizes)),
    '',
    'Every round:',
    '',
    block(roundsTable(sizes)),
    '',
    'Sitewire ÷ the others (below 1× is better for Sitewire):',
    '',
    block(ratiosTable(sizes)),
    '',
    'Where the CPU went while connecting:',
    '',
    block(cpuTable(sizes)),
    '',
    '## Against the targets',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...targets.map(
      (t) =>
        `| ${t.target} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**'} |`,
    ),
    '',
    END,
  ].join('\n')
}

/**
 * Puts the figures into bench/RESULTS.md: replaces the generated block of an earlier run,
 * or appends an Agents section with it. The reading written by hand after the block stays.
 */
export const writeResultsSection = (file: string, sizes: SizeResult[], run: RunFacts) => {
  const current = readFileSync(file, 'utf8')
  const generated = figures(sizes, run)
  const begin = current.indexOf(BEGIN)
  const end = current.indexOf(END)
  const next =
    begin >= 0 && end > begin
      ? `${current.slice(0, begin)}${generated}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n${HEADING}\n\n${generated}\n`
  writeFileSync(file, next)
}
