import { parseArgs } from 'node:util'
import { cpuProfiler, profileTables } from '../lib/cpu-profile'
import { freePorts } from '../lib/free-port'
import { startFreshPlatform } from '../runs/platform'
import { createResources } from './creates'
import { quickPlan } from './plan'
import { setUp } from './setup'
import { StatusStream } from './status-stream'

const HELP = `npm run bench:resources:profile [-- options]

Where a resource create's CPU goes. Starts the platform fresh with workerd's inspector open, sets
up one site with simulated agents (a consumer each, as bench:resources does, no real agents),
then profiles the Site's isolate while File resources are created 32 at a time, each to its
Applied=True, and prints the functions by self and by total time per create.

  --agents N   simulated agents, each with its consumer (default 500)
  --creates N  resources created while profiling (default 300)
  --top N      rows per table (default 25)
  -h, --help   this text`

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '500' },
    creates: { type: 'string', default: '300' },
    top: { type: 'string', default: '25' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}

const main = async () => {
  const agents = Number(args.agents)
  const creates = Number(args.creates)
  const inspectorPort = await freePorts()
  const platform = await startFreshPlatform({ inspectorPort })
  const stream = new StatusStream()
  try {
    const setup = await setUp(platform, {
      ...quickPlan,
      simAgents: agents,
      realAgents: 0,
      resources: creates,
    })
    try {
      const { head_seq } = await platform.api.status(setup.siteId)
      await stream.open(platform.url, platform.adminKey, setup.siteId, head_seq)
      const profiler = await cpuProfiler(inspectorPort, 'sitewire')
      await profiler.start()
      const { result } = await createResources(setup.api, setup.siteId, setup.placements, 32, stream, {
        createsMs: quickPlan.createsTimeoutMs,
        appliedMs: quickPlan.appliedTimeoutMs,
      })
      const profile = await profiler.stop()
      console.log(
        `${agents} agents and consumers: ${result.created} created, ${result.errors} errors${result.firstError ? ` (${result.firstError})` : ''}, ${result.applied} Applied=True`,
      )
      console.log(profileTables(profile, { count: result.attempted, unit: 'create' }, Number(args.top)))
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
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
