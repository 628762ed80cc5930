import { type CpuUse, startCpuMeter } from '../lib/cpu-meter'

/** The shared meter names processes by their command; here the plain `node` ones are the client workers. */
const RENAME: Record<string, string> = {
  node: 'client workers (node)',
  'bench client (node)': 'bench main process (node)',
}

/** Cores used by each part during a phase, the bench's own processes named as what they do. */
export const meterCpu = (watch: { groups?: number[]; pids?: number[] }) => {
  const stop = startCpuMeter(watch)
  return (): CpuUse => {
    const use = stop()
    const byPart: CpuUse['byPart'] = {}
    for (const [part, spent] of Object.entries(use.byPart)) byPart[RENAME[part] ?? part] = spent
    return { ...use, byPart }
  }
}

/** `workerd 0.93, client workers (node) 0.61, …`, busiest first. */
export const describeCpu = (use: CpuUse): string =>
  Object.entries(use.byPart)
    .sort(([, a], [, b]) => b.cores - a.cores)
    .map(([part, { cores }]) => `${part} ${cores.toFixed(2)}`)
    .join(', ')
