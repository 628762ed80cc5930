import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runClosedLoop } from '../lib/closed-loop'
import { cpuProfiler, profileTables } from '../lib/cpu-profile'
import { freePorts } from '../lib/free-port'
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
    console.log(
      profileTables(profile, { count: measured.events, unit: 'event', micro: true }, Number(args.top)),
    )
  } finally {
    await platform.stop()
  }
}

await main()
