import { readFileSync } from 'node:fs'
import { type ProcessSample, sampleGroup, sampleProcess, ticksPerSecond } from './process-group'

/** CPU seconds the whole machine spent busy so far, from the first line of /proc/stat. */
const machineBusySeconds = () => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/) ?? []
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks.map(Number)
  return (user + nice + system + irq + softirq + steal) / ticksPerSecond
}

/** CPU seconds spent during a phase by each part, and how many cores that was on average. */
export interface CpuUse {
  wallSeconds: number
  byPart: Record<string, { cpuSeconds: number; cores: number }>
}

/**
 * Measures where CPU time went during a phase: in this benchmark process and in the watched
 * processes (a platform's process group, a peer server). On a 2-core machine the client
 * competes with the system under test, so this says how much of the machine each side had.
 */
export const startCpuMeter = (watch: { groups?: number[]; pids?: number[] }) => {
  const read = (): ProcessSample[] => [
    ...(watch.groups ?? []).flatMap((group) => sampleGroup(group)),
    ...(watch.pids ?? []).flatMap((pid) => sampleProcess(pid) ?? []),
  ]
  const before = new Map(read().map((p) => [p.pid, p.cpuSeconds]))
  const clientBefore = process.cpuUsage()
  const machineBefore = machineBusySeconds()
  const startedAt = performance.now()

  return function stopCpuMeter(): CpuUse {
    const wallSeconds = (performance.now() - startedAt) / 1000
    const client = process.cpuUsage(clientBefore)
    const spent = new Map<string, number>([['bench client (node)', (client.user + client.system) / 1e6]])
    for (const p of read()) {
      const used = p.cpuSeconds - (before.get(p.pid) ?? 0)
      spent.set(p.label, (spent.get(p.label) ?? 0) + used)
    }
    // Whatever else ran meanwhile (other people's jobs on a shared machine) skews the figures.
    const measured = [...spent.values()].reduce((sum, seconds) => sum + seconds, 0)
    spent.set('other processes', Math.max(0, machineBusySeconds() - machineBefore - measured))
    const byPart: CpuUse['byPart'] = {}
    for (const [part, cpuSeconds] of spent) {
      if (cpuSeconds < 0.005) continue
      byPart[part] = { cpuSeconds, cores: cpuSeconds / wallSeconds }
    }
    return { wallSeconds, byPart }
  }
}
