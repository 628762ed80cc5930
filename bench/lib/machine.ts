import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg, release } from 'node:os'

/** The facts about the machine that a benchmark's figures depend on. */
export const describeMachine = () => {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const meminfo = readFileSync('/proc/meminfo', 'utf8')
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0)
  return {
    nproc: availableParallelism(),
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memoryGiB: Number((memKiB / 1024 / 1024).toFixed(1)),
    node: process.version,
    kernel: release(),
    /** Other work on the machine when the run began: figures from a busy machine read low. */
    loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
  }
}
