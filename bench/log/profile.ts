import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runClosedLoop } from '../lib/closed-loop'
import { type CpuProfile, cpuProfiler, profileLines } from '../lib/cpu-profile'
import { freePorts } from '../lib/free-port'
import { formatTable } from '../lib/table'
import { startFreshPlatform } from '../runs/platform'
import { eventFactory } from './bench-events'
import { SitewireApi } from './sitewire-api'

const HELP = `npm run bench:log:profile [-- options]

Where an append's CPU goes. Starts the platform fresh with workerd's inspector open, creates one
site, appends for a few seconds unprofiled, then appends while V8 samples the Worker's isolate
(the Worker and the Site object share it), and prints the functions by self and by total time,
per event.

  --batch N         events per request (default 1)
  --concurrency N   requests in flight (default 32)
  --seconds N       seconds profiled, after 3 unprofiled (default 5)
  --out FILE        also writes the .cpuprofile there (opens in Chrome DevTools)
  --top N           lines per table (default 30)
  -h, --help        this text`

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '5' },
    out: { type: 'string' },
    top: { type: 'string', default: '30' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}

const profileTables = (profile: CpuProfile, events: number, top: number) => {
  const lines = profileLines(profile)
  const perEvent = (ms: number) => (ms * 1000) / events
  const rows = (sorted: typeof lines) =>
    sorted.slice(0, top).map((line) => [line.name, perEvent(line.selfMs), perEvent(line.totalMs)])
  const header = ['function', 'self µs/event', 'total µs/event']
  const busyMs = lines.filter((line) => line.name !== '(idle)').reduce((sum, line) => sum + line.selfMs, 0)
  return [
    `busy: ${perEvent(busyMs).toFixed(0)} µs of the isolate's CPU per event (${events} events)`,
    '',
    'by self time',
    formatTable(header, rows(lines)),
    '',
    'by total time',
    formatTable(header, rows([...lines].sort((a, b) => b.totalMs - a.totalMs))),
  ].join('\n')
}

const main = async () => {
  const inspectorPort = await freePorts()
  const platform = await startFreshPlatform({ inspectorPort })
  try {
    const api = new SitewireApi(platform.url, platform.adminKey)
    const siteId = await api.createSite('profile')
    const events = eventFactory(Date.now().toString(36))
    const batch = Number(args.batch)
    const load = (durationMs: number) =>
      runClosedLoop({
        concurrency: Number(args.concurrency),
        warmupMs: 0,
        durationMs,
        eventsPerOp: batch,
        op: () =>
          batch === 1 ? api.appendEvent(siteId, events.next()) : api.appendBatch(siteId, events.batch(batch)),
      })
    await load(3_000)
    const profiler = await cpuProfiler(inspectorPort, 'sitewire')
    await profiler.start()
    const measured = await load(Number(args.seconds) * 1000)
    const profile = await profiler.stop()
    await api.close()
    if (args.out) writeFileSync(args.out, JSON.stringify(profile))
    console.log(
      `batch ${batch}, c=${args.concurrency}: ${Math.round(measured.eventsPerSecond)} events/s while profiled, ${measured.errors} errors`,
    )
    console.log(profileTables(profile, measured.events, Number(args.top)))
  } finally {
    await platform.stop()
  }
}

await main()
