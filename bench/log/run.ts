import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startPlatform } from '../../test/platform-process'
import { onInterrupt } from '../lib/cleanup'
import { freePorts } from '../lib/free-port'
import { describeMachine } from '../lib/machine'
import { sourceRevision } from '../lib/source-revision'
import { writeJson } from '../lib/write-json'
import { eventFactory } from './bench-events'
import { checkTargets, ratios } from './comparison'
import { measureJetStream, measureSqliteLimit } from './peers'
import { fullPlan, quickPlan } from './plan'
import { formatReport } from './print-report'
import { SitewireApi } from './sitewire-api'
import { measureSitewire } from './sitewire-phases'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
const plan = args.quick ? quickPlan : fullPlan
const benchDir = resolve(import.meta.dirname, '..')
const root = resolve(benchDir, '..')
const runId = Date.now().toString(36)
const events = eventFactory(runId)
const startedAt = new Date()

const measurePlatform = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sitewire-bench-data-'))
  const port = await freePorts(2)
  console.error(`sitewire: starting the platform on 127.0.0.1:${port} (data in ${dataDir})`)
  const platform = await startPlatform({ dataDir, port }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  })
  const stop = onInterrupt(async () => {
    await platform.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const group = platform.process.pid
  if (!platform.adminKey || !group) throw new Error('the platform started without an admin key or a pid')
  const api = new SitewireApi(platform.url, platform.adminKey)
  try {
    return await measureSitewire(api, group, events, runId, plan)
  } finally {
    await api.close()
    await stop()
  }
}

const main = async () => {
  const machine = describeMachine()
  const source = sourceRevision(root)
  console.error(
    `bench:log ${args.quick ? '(quick) ' : ''}on ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}`,
  )
  console.error('sqlite: the machine limit')
  const sqlite = await measureSqliteLimit(events, plan.sqlite)
  console.error('jetstream: the peer')
  const jetstream = await measureJetStream(events, plan.append)
  if (!jetstream.measured) console.error(`  ${jetstream.reason}`)
  const sitewire = await measurePlatform()

  const compared = ratios(sitewire.append, sqlite, jetstream)
  const report = {
    machine,
    sitewire,
    sqlite,
    jetstream,
    ratios: compared,
    targets: checkTargets(sitewire, compared),
  }
  const uncommitted = source.uncommittedOutsideBench.length
  console.log(
    `Source: ${source.commit}${uncommitted ? ` with ${uncommitted} uncommitted files outside bench/` : ''}`,
  )
  console.log(formatReport(report))

  const resultsDir = join(benchDir, 'results')
  mkdirSync(resultsDir, { recursive: true })
  const file = join(
    resultsDir,
    `log-${startedAt.toISOString().slice(0, 10)}${args.quick ? '-quick' : ''}.json`,
  )
  const minutes = (Date.now() - startedAt.getTime()) / 60_000
  const record = {
    date: startedAt.toISOString(),
    source,
    command: `npm run bench:log${args.quick ? ' -- --quick' : ''}`,
    minutes,
    plan,
    ...report,
  }
  writeJson(root, file, record)
  console.log(`\nFigures written to ${relative(process.cwd(), file)} (${minutes.toFixed(1)} min)`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
