import { readFileSync, writeFileSync } from 'node:fs'
import type { describeMachine } from '../lib/machine'
import type { RunsPlan } from './plan'
import {
  checkTargets,
  cpuTable,
  failed,
  fanOutTable,
  memoryTable,
  problems,
  type RunsReport,
  ratiosTable,
  storageTable,
  timelineTable,
} from './report'

const BEGIN = '<!-- bench:runs figures: written by `npm run bench:runs`, do not edit by hand -->'
const END = '<!-- bench:runs figures end -->'
const HEADING = '# Results: runs'

export interface RunFacts {
  date: Date
  command: string
  minutes: number
  jsonFile: string
  machine: ReturnType<typeof describeMachine>
  loadAverageEnd: number
  software: string
  source: { commit: string; uncommittedOutsideBench: string[] }
  plan: RunsPlan
}

const block = (text: string) => ['```', text, '```'].join('\n')

/** The generated part of the Runs section: the run, the figures and the targets. */
const figures = (report: RunsReport, run: RunFacts): string => {
  const m = run.machine
  const uncommitted = run.source.uncommittedOutsideBench.length
  const p = run.plan
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
      'load shape',
      `A: ${p.agents} simulated agents, ${p.lines} lines of ${p.lineBytes} bytes each; B: ${p.realAgents} real agents, ` +
        `\`seq 1 ${p.realLines}\`; C: ${p.runs} runs of ${p.storageLines} lines, ${p.storageConcurrency} at a time; ` +
        `peer: ${p.agents} NATS workers, the same frames`,
    ],
  ]
  const storage = report.storage && !failed(report.storage) ? report.storage : undefined
  const notes = problems(report)
  return [
    BEGIN,
    '',
    '## The run',
    '',
    '|  |  |',
    '| --- | --- |',
    ...info.map(([key, value]) => `| ${key} | ${value} |`),
    '',
    '## Figures',
    '',
    'One step (or job) to every client, every client answers; times from the request:',
    '',
    block(fanOutTable(report)),
    '',
    "Inside the platform, from the site's log (ms after `run.requested`; `step.*` times are the agents' clocks):",
    '',
    block(timelineTable(report)),
    '',
    'Sitewire ÷ the peer:',
    '',
    block(ratiosTable(report)),
    '',
    'Platform resident memory (every process of `npm start`):',
    '',
    block(memoryTable(report)),
    '',
    "The site's storage (its Durable Object's SQLite, read from a copy; R2 holds the archives):",
    '',
    block(storageTable(report)),
    ...(storage
      ? [
          '',
          `C: ${storage.completed} of ${storage.runs} runs archived in ${storage.seconds.toFixed(1)} s; ` +
            `request → archived p50 ${storage.perRunMs.p50.toFixed(0)} ms, p99 ${storage.perRunMs.p99.toFixed(0)} ms; ` +
            `they printed ${(storage.printedBytes / 1e6).toFixed(1)} MB in all.`,
        ]
      : []),
    '',
    'Where the CPU went:',
    '',
    block(cpuTable(report)),
    ...(notes.length ? ['', 'What failed:', '', ...notes.map((line) => `- ${line}`)] : []),
    '',
    '## Against the targets',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...checkTargets(report).map(
      (t) =>
        `| ${t.target} | ${t.measured.replaceAll('|', '\\|')} | ${t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**'} |`,
    ),
    '',
    END,
  ].join('\n')
}

/**
 * Puts the figures into bench/RESULTS.md: replaces the generated block of an earlier run, or
 * appends a Runs section with it. The reading written by hand after the block stays.
 */
export const writeResultsSection = (file: string, report: RunsReport, run: RunFacts) => {
  const current = readFileSync(file, 'utf8')
  const generated = figures(report, run)
  const begin = current.indexOf(BEGIN)
  const end = current.indexOf(END)
  const next =
    begin >= 0 && end > begin
      ? `${current.slice(0, begin)}${generated}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n${HEADING}\n\n${generated}\n`
  writeFileSync(file, next)
}
