import { writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { parseArgs } from 'node:util'
import { cpuProfiler, profileTables } from '../lib/cpu-profile'
import { freePorts } from '../lib/free-port'
import { startFreshPlatform } from '../runs/platform'
import { AlertsApi } from './alerts-api'
import { deliveryFactory } from './deliveries'
import { platformPool } from './open-loop'
import { fullPlan } from './plan'
import { serialLatency } from './serial'
import { alertsSite } from './setup'

const HELP = `npm run bench:alerts:profile [-- options]

Where the hook path's CPU goes. Starts the platform fresh with workerd's inspector open, sets up
one site as bench:alerts does (an Alertmanager integration, a task, an enrolled agent, and
--rules rules of which one matches), sends deliveries of 10 alerts one at a time while V8
samples the Worker's isolate, and prints the functions by self and by total time.

  --rules N         rules on the site (default 1)
  --deliveries N    deliveries profiled, after 20 unprofiled (default 200)
  --out FILE        also writes the .cpuprofile there (opens in Chrome DevTools)
  --top N           lines per table (default 30)
  -h, --help        this text`

const { values: args } = parseArgs({
  options: {
    rules: { type: 'string', default: '1' },
    deliveries: { type: 'string', default: '200' },
    out: { type: 'string' },
    top: { type: 'string', default: '30' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}

const WARM_UP = 20

const main = async () => {
  const inspectorPort = await freePorts()
  const platform = await startFreshPlatform({ inspectorPort })
  try {
    const api = new AlertsApi(platform.url, platform.adminKey)
    const site = await alertsSite(api, Number(args.rules), fullPlan)
    const pool = platformPool(platform.url)
    const nextDelivery = deliveryFactory(Date.now().toString(36), hostname())
    const send = (count: number) =>
      serialLatency(pool, site, 'application/json', 200, () => JSON.stringify(nextDelivery()), count, 600_000)
    await send(WARM_UP)
    const deliveries = Number(args.deliveries)
    const profiler = await cpuProfiler(inspectorPort, 'sitewire')
    await profiler.start()
    const measured = await send(deliveries)
    const profile = await profiler.stop()
    await pool.close()
    if (args.out) writeFileSync(args.out, JSON.stringify(profile))
    console.log(
      `${args.rules} rule(s): p50 ${measured.latencyMs.p50.toFixed(1)} ms per delivery one at a time, ${measured.errors} errors`,
    )
    console.log(profileTables(profile, { count: deliveries, unit: 'delivery' }, Number(args.top)))
  } finally {
    await platform.stop()
  }
}

await main()
