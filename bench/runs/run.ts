import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuProfiler } from '../lib/cpu-profile'
import { freePorts } from '../lib/free-port'
import { groupMemory } from '../lib/group-memory'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { writeJson } from '../lib/write-json'
import { findNatsServer } from '../log/nats-server'
import { measureNats } from './nats-peer'
import { fullPlan, quickPlan, type RunsPlan } from './plan'
import { type Platform, startFreshPlatform } from './platform'
import { measureReal } from './real-scenario'
import { checkTargets, formatReport, type Outcome, type RunsReport, ratios } from './report'
import { writeResultsSection } from './results-md'
import { measureSimulated } from './simulated-scenario'
import { MAX_PRINTED_BYTES, printedBytes } from './step-output'
import { measureStorage } from './storage-scenario'

const HELP = `npm run bench:runs [-- options]

Starts the platform fresh and runs a one-step task on many agents at once: simulated agents
(A, with and without output), real sitewire-agent processes (B), then many small runs on one
agent with the site's storage read before and after (C). Then the same fan-out and fan-in
over NATS (core, and JetStream with file storage), each system alone on the machine.

  --agents N        simulated agents in A, and NATS workers (default ${fullPlan.agents})
  --lines N         lines each simulated agent prints (default ${fullPlan.lines})
  --line-bytes N    bytes per line, newline included (default ${fullPlan.lineBytes})
  --real-agents N   real agent processes in B (default ${fullPlan.realAgents})
  --real-lines N    what B's script prints: seq 1 N (default ${fullPlan.realLines})
  --runs N          small runs in C (default ${fullPlan.runs})
  --deflate         simulated agents offer permessage-deflate (the real agent does not)
  --skip LIST       scenarios to leave out, comma-separated: a, b, c, peer
  --profile FILE    writes a V8 CPU profile of the Worker's isolate over scenario A there (opens in
                    Chrome DevTools); sampling slows the platform, so read its figures as a profile's
  --quick           every scenario, shortened (${quickPlan.agents} agents, ${quickPlan.realAgents} real agents, ${quickPlan.runs} runs)
  -h, --help        this text

Only a run with the defaults rewrites the Runs section of bench/RESULTS.md; every run writes
bench/results/runs-<date>[-variant].json.`

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string' },
    lines: { type: 'string' },
    'line-bytes': { type: 'string' },
    'real-agents': { type: 'string' },
    'real-lines': { type: 'string' },
    runs: { type: 'string' },
    deflate: { type: 'boolean', default: false },
    skip: { type: 'string', default: '' },
    profile: { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}

const whole = (value: string | undefined, name: string, fallback: number, least = 1) => {
  if (value === undefined) return fallback
  const parsed = Number(value.replaceAll(/[,_]/g, ''))
  if (!Number.isInteger(parsed) || parsed < least) {
    console.error(`${name} takes a whole number of at least ${least}, not ${value}`)
    process.exit(2)
  }
  return parsed
}

const base = args.quick ? quickPlan : fullPlan
const plan: RunsPlan = {
  ...base,
  agents: whole(args.agents, '--agents', base.agents),
  lines: whole(args.lines, '--lines', base.lines),
  lineBytes: whole(args['line-bytes'], '--line-bytes', base.lineBytes, 2),
  realAgents: whole(args['real-agents'], '--real-agents', base.realAgents),
  realLines: whole(args['real-lines'], '--real-lines', base.realLines),
  runs: whole(args.runs, '--runs', base.runs),
  deflate: args.deflate,
}
if (printedBytes(plan) > MAX_PRINTED_BYTES) {
  console.error(
    `--lines × --line-bytes is ${printedBytes(plan)} bytes: the agent sends at most ${MAX_PRINTED_BYTES} per step`,
  )
  process.exit(2)
}
const skip = new Set(args.skip.split(',').map((part) => part.trim().toLowerCase()))
const argv = process.argv.slice(2).join(' ')
const isDefaultRun = argv === ''
const benchDir = resolve(import.meta.dirname, '..')
const root = resolve(benchDir, '..')
const startedAt = new Date()
const command = `npm run bench:runs${argv ? ` -- ${argv}` : ''}`

/** Runs one scenario; a failure is recorded and the bench goes on with the next. */
const attempt = async <T>(name: string, run: () => Promise<T>): Promise<Outcome<T>> => {
  try {
    return await run()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    console.error(`  ${name} failed: ${message}`)
    return { scenarioFailed: message }
  }
}

const measurePlatform = async (report: RunsReport) => {
  let platform: Platform | undefined
  try {
    const inspectorPort = args.profile ? await freePorts() : undefined
    platform = await startFreshPlatform({ inspectorPort })
    report.platformMemory.start = groupMemory(platform.group)
    const running = platform
    if (!skip.has('a')) {
      console.error(`A: ${plan.agents} simulated agents`)
      const profiler = inspectorPort ? await cpuProfiler(inspectorPort, 'sitewire') : undefined
      await profiler?.start()
      report.simulated = await attempt('A', () => measureSimulated(running, plan))
      if (profiler && args.profile) writeFileSync(args.profile, JSON.stringify(await profiler.stop()))
    }
    if (!skip.has('b')) {
      console.error(`B: ${plan.realAgents} real agents`)
      report.real = await attempt('B', () => measureReal(running, plan))
    }
    if (!skip.has('c')) {
      console.error(`C: ${plan.runs} small runs`)
      report.storage = await attempt('C', () => measureStorage(running, plan))
    }
    report.platformMemory.end = groupMemory(platform.group)
  } finally {
    await platform?.stop()
  }
}

const version = (name: string) =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version

const natsServerVersion = () => {
  const binary = findNatsServer()
  if (!binary) return 'not installed'
  return execFileSync(binary, ['--version']).toString().trim().replace('nats-server: ', '')
}

const main = async () => {
  const machine = describeMachine()
  const source = sourceRevision(root)
  console.error(
    `bench:runs ${args.quick ? '(quick) ' : ''}on ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, ` +
      `load ${machine.loadAverage1m}`,
  )
  const report: RunsReport = { platformMemory: {} }
  // Sitewire first, then the peer: each system alone on the machine.
  await measurePlatform(report)
  if (!skip.has('peer')) {
    console.error(`peer: ${plan.agents} NATS workers`)
    report.nats = await measureNats(plan).catch((error: unknown) => ({
      measured: false as const,
      reason: `the NATS peer failed: ${error instanceof Error ? error.message : String(error)}`,
    }))
  }

  const uncommitted = source.uncommittedOutsideBench.length
  console.log(
    `Source: ${source.commit}${uncommitted ? ` with ${uncommitted} uncommitted files outside bench/` : ''}`,
  )
  console.log(formatReport(report))

  const resultsDir = join(benchDir, 'results')
  mkdirSync(resultsDir, { recursive: true })
  const date = startedAt.toISOString().slice(0, 10)
  const variant = isDefaultRun ? '' : args.quick ? '-quick' : `-${plan.agents}`
  const file = join(resultsDir, `runs-${date}${variant}.json`)
  const minutes = (Date.now() - startedAt.getTime()) / 60_000
  const loadAverageEnd = Number(loadavg()[0]?.toFixed(2))
  const software =
    `Node ${machine.node}; workerd through Miniflare ${version('miniflare')} (as \`npm start\` runs it); ` +
    `nats-server ${natsServerVersion()} (Debian), \`nats\` ${version('nats')}; agents: \`ws\` ${version('ws')}`
  writeJson(root, file, {
    date: startedAt.toISOString(),
    source,
    command,
    minutes,
    machine,
    loadAverageEnd,
    software,
    plan,
    ...report,
    ratios: ratios(report),
    targets: checkTargets(report),
  })
  console.log(`\nFigures written to ${relative(process.cwd(), file)} (${minutes.toFixed(1)} min)`)
  if (isDefaultRun) {
    writeResultsSection(join(benchDir, 'RESULTS.md'), report, {
      date: startedAt,
      command,
      minutes,
      jsonFile: relative(benchDir, file),
      machine,
      loadAverageEnd,
      software,
      source,
      plan,
    })
    console.log('The Runs section of bench/RESULTS.md now holds these figures.')
  } else {
    console.log('Not the default run: bench/RESULTS.md was left as it was.')
  }
}

main().then(
  // Sockets of the last scenario may keep timers alive; everything was stopped, so leave now.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
