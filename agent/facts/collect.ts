import * as v from 'valibot'
import { type FactName, Facts } from '../../schema/agent/facts'
import type { Labels } from '../../schema/common'
import { errorMessage, type Logger } from '../log'
import { disks } from './disks'
import { HostScan } from './host-scan'
import { ipAddresses } from './network'
import { operatingSystem } from './os-release'
import { services } from './services'
import { arch, cpu, hostname, kernel, memoryBytes, uptimeSeconds } from './system'

export interface FactsContext {
  labels: Labels
}

/** What every collector of one report sees: the agent's context and one shared look at the host. */
interface CollectContext extends FactsContext {
  scan: HostScan
}

type Collectors = { [K in FactName]-?: (context: CollectContext) => Facts[K] | Promise<Facts[K]> }

const collectors: Collectors = {
  hostname,
  os: operatingSystem,
  kernel,
  arch,
  cpu,
  memory_bytes: memoryBytes,
  disks,
  ip_addresses: ipAddresses,
  uptime_seconds: uptimeSeconds,
  services,
  listening: (context) => context.scan.listening(),
  packages: (context) => context.scan.packages(),
  databases: (context) => context.scan.databases(),
  labels: (context) => context.labels,
}

/**
 * Everything the agent can read about its machine. A collector that fails, or reads a value
 * the platform wouldn't accept, leaves its field out rather than the whole report.
 */
export const collectFacts = async (context: FactsContext, log: Logger): Promise<Facts> => {
  const names = Object.keys(collectors) as FactName[]
  const shared: CollectContext = { ...context, scan: new HostScan() }
  const results = await Promise.allSettled(names.map(async (name) => collectors[name](shared)))
  const facts: Record<string, unknown> = {}
  names.forEach((name, index) => {
    const result = results[index]
    if (result?.status === 'rejected') {
      log.debug('fact not collected', { fact: name, error: errorMessage(result.reason) })
      return
    }
    if (result?.value === undefined) return
    const parsed = v.safeParse(Facts.entries[name], result.value)
    if (parsed.success) facts[name] = parsed.output
    else log.debug('fact out of bounds', { fact: name, error: v.summarize(parsed.issues) })
  })
  // Facts are compared with what was stored as JSON: give them the same shape now.
  return JSON.parse(JSON.stringify(facts)) as Facts
}
