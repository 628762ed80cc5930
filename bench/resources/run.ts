import { mkdirSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { type CpuUse, startCpuMeter } from '../lib/cpu-meter'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { writeJson } from '../lib/write-json'
import { eventFactory } from '../log/bench-events'
import { startFreshPlatform } from '../runs/platform'
import { type AppendsResult, appendEvents, type CreatesResult, createResources } from './creates'
import { type DriftResult, type ManagedFile, measureDrift } from './drift'
import { fullPlan, quickPlan } from './plan'
import { printReport } from './report'
import { setUp } from './setup'
import { StatusStream } from './status-stream'

const HELP = `npm run bench:resources [-- --quick]

Starts the platform fresh; one site with ${fullPlan.simAgents.toLocaleString('en-US')} simulated agents (real WebSockets, real
enrolment, answering each desired resource with resource.status_reported Applied=True) and
${fullPlan.realAgents} real agent processes keeping File resources in temp dirs. Creates ${fullPlan.resources.toLocaleString('en-US')} File resources
through the API, ${fullPlan.concurrency} at a time, and times each to its answer and to Applied=True on the site's
event stream; then as many plain CloudEvent appends on another site; then changes real agents'
files by hand and times the repair and its report.

  --quick      ${quickPlan.simAgents} simulated and ${quickPlan.realAgents} real agents, ${quickPlan.resources.toLocaleString('en-US')} resources, ${quickPlan.driftSamples} drift samples
  -h, --help   this text`

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}
const plan = args.quick ? quickPlan : fullPlan
const benchDir = resolve(import.meta.dirname, '..')
const root = resolve(benchDir, '..')

const main = async () => {
  const startedAt = new Date()
  const machine = describeMachine()
  const source = sourceRevision(root)
  console.error(
    `bench:resources ${args.quick ? '(quick) ' : ''}on ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage1m}`,
  )
  const platform = await startFreshPlatform()
  const stream = new StatusStream()
  let setupSeconds = 0
  let creates: CreatesResult | undefined
  let createsCpu: CpuUse | undefined
  let appends: AppendsResult | undefined
  let appendsCpu: CpuUse | undefined
  let drift: DriftResult | undefined
  try {
    const setup = await setUp(platform, plan)
    try {
      setupSeconds = setup.setupSeconds
      console.error(
        `setup: ${plan.simAgents} simulated and ${plan.realAgents} real agents online, a consumer each, ${setupSeconds.toFixed(1)} s`,
      )
      const { head_seq } = await platform.api.status(setup.siteId)
      await stream.open(platform.url, platform.adminKey, setup.siteId, head_seq)

      const watch = { groups: [platform.group], pids: setup.real.pids }
      let stopCpu = startCpuMeter(watch)
      const created = await createResources(
        setup.api,
        setup.siteId,
        setup.placements,
        plan.concurrency,
        stream,
        { createsMs: plan.createsTimeoutMs, appliedMs: plan.appliedTimeoutMs },
      )
      createsCpu = stopCpu()
      creates = created.result
      console.error(
        `creates: ${creates.created} of ${plan.resources} answered (${creates.answeredPerSecond.toFixed(0)}/s), ${creates.applied} Applied (${creates.appliedPerSecond.toFixed(0)}/s)`,
      )

      stopCpu = startCpuMeter(watch)
      appends = await appendEvents(
        setup.api,
        setup.peerSiteId,
        creates.attempted,
        plan.concurrency,
        eventFactory(Date.now().toString(36)),
      )
      appendsCpu = stopCpu()
      console.error(`plain appends: ${appends.appended} (${appends.appendsPerSecond.toFixed(0)}/s)`)

      const realCount = setup.real.agents.length
      const files: ManagedFile[] = setup.placements.flatMap((placement, i) => {
        const resourceId = created.ids.get(i)
        return i % setup.holders.length < realCount && resourceId
          ? [{ resourceId, path: placement.path, content: `resource ${i}\n` }]
          : []
      })
      drift = await measureDrift(files, plan.driftSamples, plan.resourcesIntervalSeconds, stream)
      console.error(
        `drift: ${drift.samples - drift.missed} of ${drift.samples} samples repaired and reported`,
      )
      const census = { closedUnexpectedly: setup.sim.closedUnexpectedly, refused: setup.sim.refused }
      if (census.closedUnexpectedly || census.refused)
        console.error(
          `simulated agents: ${JSON.stringify({ ...census, firstRefusal: setup.sim.firstRefusal })}`,
        )
    } finally {
      await setup.cleanup()
    }
  } catch (error) {
    console.error(platform.logTail(30))
    throw error
  } finally {
    stream.close()
    await platform.stop()
  }
  if (!creates || !createsCpu || !appends || !appendsCpu || !drift) throw new Error('a phase did not finish')

  printReport({ source, machine, plan, creates, createsCpu, appends, appendsCpu, drift })
  const resultsDir = join(benchDir, 'results')
  mkdirSync(resultsDir, { recursive: true })
  const file = join(
    resultsDir,
    `resources-${startedAt.toISOString().slice(0, 10)}${args.quick ? '-quick' : ''}.json`,
  )
  writeJson(root, file, {
    startedAt: startedAt.toISOString(),
    minutes: Number(((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)),
    command: `npm run bench:resources${args.quick ? ' -- --quick' : ''}`,
    machine,
    source,
    plan,
    setupSeconds,
    creates,
    createsCpu,
    appends,
    appendsCpu,
    drift,
    reference: { maestroCreatesPerSecond: 54, measuredHere: false },
  })
  console.log(`figures: ${relative(root, file)}`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
