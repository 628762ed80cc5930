import { type CpuUse, startCpuMeter } from '../lib/cpu-meter'

/**
 * Where the CPU went during a run, the bench's own processes named as what they are: plain
 * `node` processes are the client workers (or, in scenario B, the real agents), and the
 * meter's own process is the bench's main process (polls, or the peer's dispatcher).
 */
export const meterCpu = (watch: { groups?: number[]; pids?: number[] }, nodeIs: string) => {
  const stop = startCpuMeter(watch)
  return (): CpuUse => {
    const use = stop()
    const rename: Record<string, string> = {
      node: nodeIs,
      'bench client (node)': 'bench main process (node)',
    }
    const byPart: CpuUse['byPart'] = {}
    for (const [part, spent] of Object.entries(use.byPart)) byPart[rename[part] ?? part] = spent
    return { ...use, byPart }
  }
}
