import { sampleGroup } from './process-group'

export interface GroupMemory {
  processes: { pid: number; label: string; rssMiB: number; command: string }[]
  totalMiB: number
}

const mib = (kib: number) => Number((kib / 1024).toFixed(1))

/** Resident memory of every process in a process group, each and in total. */
export const groupMemory = (pgid: number): GroupMemory => {
  const processes = sampleGroup(pgid)
    .sort((a, b) => b.rssKiB - a.rssKiB)
    .map((p) => ({ pid: p.pid, label: p.label, rssMiB: mib(p.rssKiB), command: p.command.slice(0, 160) }))
  return { processes, totalMiB: Number(processes.reduce((sum, p) => sum + p.rssMiB, 0).toFixed(1)) }
}
