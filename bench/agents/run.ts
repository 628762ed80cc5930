import { mkdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { writeJson } from '../lib/write-json'
import { measureFloor } from './floor-side'
import { measureMosquitto } from './mosquitto-side'
import { DEFAULT_SIZES, plan as fullPlan } from './plan'
import { checkTargets, formatReport, ratiosOf, type SizeResult } from './report'
import { writeResultsSection } from './results-md'
import { measureSitewire } from './sitewire-side'

const HELP = `npm run bench:agents [-- options]

Connects N simulated agents to one site of a fresh platform, N WebSockets to a bare workerd
Durable Object (the runtime's floor) and N MQTT subscribers to one topic of a private
Mosquitto; broadcasts one message to all of them several times and compares connect time,
resident memory and broadcast latency.

  --agents N    one size only (repeatable); default 1000 then 10000. Only the default run
                rewrites the Agents section of bench/RESULTS.md.
  --rounds N    broadcasts per system and size (default ${fullPlan.rounds})
  --clients N   client processes holding the clients (default ${fullPlan.clientWorkers})
  --deflate     simulated agents offer permessage-deflate (the real agent does not):
                shows what WebSocket compression would cost the platform
  --no-floor    skip the bare workerd Durable Object (the runtime's floor for the same job)
  -h, --help    this text`

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', multiple: true },
    rounds: { type: 'string' },
    clients: { type: 'string' },
    deflate: { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}

const positive = (value: string | undefined, name: string, fallback: number) => {
  if (value === undefined) return fallback
  const parsed = Number(value.replaceAll(/[,_]/g, ''))
  if (!Number.isInteger(parsed) || parsed < 1) {
    console.error(`${name} takes a positive whole number, not ${value}`)
    process.exit(2)
  }
  return parsed
}

const sizes = args.agents?.map((a) => positive(a, '--agents', 0)) ?? DEFAULT_SIZES
const isDefaultRun = !args.agents && !args.rounds && !args.clients && !args.deflate && !args['no-floor']
const plan = {
  ...fullPlan,
  rounds: positive(args.rounds, '--rounds', fullPlan.rounds),
  clientWorkers: positive(args.clients, '--clients', fullPlan.clientWorkers),
  deflate: args.deflate,
}
const benchDir = resolve(import.meta.dirname, '..')
const root = resolve(benchDir, '..')
const startedAt = new Date()
const argv = process.argv.slice(2).join(' ')
const command = `npm run bench:agents${argv ? ` -- ${argv}` : ''}`

const packageVersions = (...names: string[]): Record<string, string> => {
  const entries = names.map((name) => {
    const file = join(root, 'node_modules', name, 'package.json')
    return [name, (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version]
  })
  return Object.fromEntries(entries)
}

const main = async () => {
  const machine = describeMachine()
  const source = sourceRevision(root)
  console.error(
    `bench:agents on ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage1m}; ` +
      `sizes ${sizes.join(', ')}; ${plan.clientWorkers} client processes; ${plan.rounds} broadcasts each` +
      `${plan.deflate ? '; agents offering permessage-deflate' : ''}`,
  )
  const results: SizeResult[] = []
  for (const agents of sizes) {
    // Sitewire first, then the runtime's floor, then the peer: each alone on the machine, each started fresh.
    const sitewire = await measureSitewire(agents, plan)
    const floor = args['no-floor'] ? undefined : await measureFloor(agents, plan)
    const mosquitto = await measureMosquitto(agents, plan)
    if (!mosquitto.measured) console.error(`  ${mosquitto.reason}`)
    results.push({ agents, sitewire, ...(floor ? { floor } : {}), mosquitto })
  }

  const uncommitted = source.uncommittedOutsideBench.length
  console.log(
    `Source: ${source.commit}${uncommitted ? ` with ${uncommitted} uncommitted files outside bench/` : ''}`,
  )
  console.log(formatReport(results, plan.rounds))

  const resultsDir = join(benchDir, 'results')
  mkdirSync(resultsDir, { recursive: true })
  const date = startedAt.toISOString().slice(0, 10)
  const variant = isDefaultRun ? '' : `-${sizes.join('-')}${plan.deflate ? '-deflate' : ''}`
  const file = join(resultsDir, `agents-${date}${variant}.json`)
  const minutes = (Date.now() - startedAt.getTime()) / 60_000
  const versions = packageVersions('mqtt', 'miniflare', 'ws')
  const peer = results.find((r) => r.mosquitto.measured)?.mosquitto
  const software =
    `Node ${machine.node}; workerd through Miniflare ${versions.miniflare} (as \`npm start\` runs it); ` +
    `mosquitto ${peer?.measured ? peer.version : 'not installed'} (Debian); clients: \`ws\` ${versions.ws}, \`mqtt\` ${versions.mqtt}`
  const loadAverageEnd = Number(loadavg()[0]?.toFixed(2))
  writeJson(root, file, {
    date: startedAt.toISOString(),
    source,
    command,
    minutes,
    machine,
    loadAverageEnd,
    software,
    plan,
    sizes: results,
    ratios: results.flatMap(ratiosOf),
    targets: checkTargets(results),
  })
  console.log(`\nFigures written to ${relative(process.cwd(), file)} (${minutes.toFixed(1)} min)`)
  if (isDefaultRun) {
    writeResultsSection(join(benchDir, 'RESULTS.md'), results, {
      date: startedAt,
      command,
      minutes,
      jsonFile: relative(benchDir, file),
      machine,
      software,
      source,
      loadAverageEnd,
      rounds: plan.rounds,
      clientWorkers: plan.clientWorkers,
    })
    console.log('The Agents section of bench/RESULTS.md now holds these figures.')
  } else {
    console.log('Not the default run: bench/RESULTS.md was left as it was.')
  }
}

main().then(
  // Sockets of the last run may keep timers alive; everything was stopped, so leave now.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
