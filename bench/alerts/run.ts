import { mkdirSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { type LatencySummary, round } from '../lib/stats'
import { writeJson } from '../lib/write-json'
import { startFreshPlatform } from '../runs/platform'
import { asCloudEvent, deliveryFactory } from './deliveries'
import { platformPool } from './open-loop'
import { fullPlan, quickPlan } from './plan'
import { ceilings, rowsTable, serialTable, summaryText } from './report'
import { measureRow, type Row, type System, systemName, type Target } from './rows'
import { serialLatency } from './serial'
import { setUp } from './setup'

const HELP = `npm run bench:alerts [-- --quick]

Starts the platform fresh. The site under load has an Alertmanager integration, a one-step
task, an agent enrolled but not connected and ${fullPlan.rules.toLocaleString('en-US')} rules (one matches one alert per
delivery); sites with ${fullPlan.serialRuleCounts.join(' and ')} rules are set up the same way; one more site takes plain
CloudEvents. First one delivery at a time on each, then at rising rates, open loop, Alertmanager
v4 deliveries of 10 alerts to each hook and the same bodies appended as plain CloudEvents; each
system stops rising once p99 > 200 ms or it falls behind.

  --quick      every phase shortened (rates ${quickPlan.deliveryRates.join(', ')} deliveries/s, ${quickPlan.durationMs / 1000} s each)
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
const runId = Date.now().toString(36)

const main = async () => {
  const startedAt = new Date()
  const machine = describeMachine()
  const source = sourceRevision(root)
  console.error(
    `bench:alerts ${args.quick ? '(quick) ' : ''}on ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage1m}`,
  )
  const platform = await startFreshPlatform()
  const pool = platformPool(platform.url)
  const rows: Row[] = []
  const serial: { system: string; latencyMs: LatencySummary; errors: number; firstError?: string }[] = []
  let setupSeconds = 0
  let host = ''
  const underLoad = systemName({ kind: 'hook', rules: plan.rules })
  const peer = systemName({ kind: 'plain' })
  try {
    const setup = await setUp(platform, plan)
    setupSeconds = setup.setupSeconds
    host = setup.host
    console.error(
      `setup: sites with ${plan.rules} and ${plan.serialRuleCounts.join(', ')} rules, agent ${host}, ${setupSeconds.toFixed(1)} s`,
    )
    const nextDelivery = deliveryFactory(runId, host)
    const systems: { system: System; target: Target }[] = [
      { system: { kind: 'hook', rules: plan.rules }, target: setup.alerts },
      ...setup.fewerRules.map((site) => ({
        system: { kind: 'hook', rules: site.rules } as System,
        target: site,
      })),
      { system: { kind: 'plain' }, target: setup.plain },
    ]

    for (const { system, target } of systems) {
      const measured =
        system.kind === 'hook'
          ? await serialLatency(
              pool,
              target,
              'application/json',
              200,
              () => JSON.stringify(nextDelivery()),
              plan.serialDeliveries,
              plan.settleTimeoutMs,
            )
          : await serialLatency(
              pool,
              target,
              'application/cloudevents+json',
              201,
              () => JSON.stringify(asCloudEvent(nextDelivery())),
              plan.serialDeliveries,
              plan.settleTimeoutMs,
            )
      serial.push({ system: systemName(system), ...measured })
      const { latencyMs, errors, firstError } = measured
      console.error(
        `one at a time, ${systemName(system)}: p50 ${round(latencyMs.p50)} ms, p99 ${round(latencyMs.p99)} ms${errors ? `, ${errors} errors (${firstError})` : ''}`,
      )
    }

    const rising = new Set(systems)
    for (const rate of plan.deliveryRates) {
      for (const entry of systems) {
        if (!rising.has(entry)) continue
        const row = await measureRow(entry.system, rate, {
          api: setup.api,
          pool,
          target: entry.target,
          platformGroup: platform.group,
          nextDelivery,
          plan,
        })
        rows.push(row)
        console.error(rowsTable([row]).split('\n').at(-1))
        if (row.firstError) console.error(`  first error: ${row.firstError}`)
        if (!row.metTarget) rising.delete(entry)
      }
      if (rising.size === 0) break
    }
  } catch (error) {
    console.error(platform.logTail(30))
    throw error
  } finally {
    await pool.destroy()
    await platform.stop()
  }

  const uncommitted = source.uncommittedOutsideBench.length
  console.log(
    `Source: ${source.commit}${uncommitted ? ` with ${uncommitted} uncommitted files outside bench/` : ''}`,
  )
  console.log(`Machine: ${machine.nproc} × ${machine.cpuModel}, load ${machine.loadAverage1m} at the start`)
  console.log(serialTable(serial))
  console.log(rowsTable(rows))
  console.log(summaryText(rows, underLoad, peer))

  const resultsDir = join(benchDir, 'results')
  mkdirSync(resultsDir, { recursive: true })
  const file = join(
    resultsDir,
    `alerts-${startedAt.toISOString().slice(0, 10)}${args.quick ? '-quick' : ''}.json`,
  )
  writeJson(root, file, {
    startedAt: startedAt.toISOString(),
    minutes: Number(((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)),
    command: `npm run bench:alerts${args.quick ? ' -- --quick' : ''}`,
    machine,
    source,
    plan,
    host,
    setupSeconds,
    serial,
    rows,
    ceilings: ceilings(rows),
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
