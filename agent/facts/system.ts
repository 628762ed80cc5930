import os from 'node:os'
import type { Facts } from '../../schema/agent/facts'

export const hostname = (): Facts['hostname'] => os.hostname()

export const kernel = (): Facts['kernel'] => os.release()

export const arch = (): Facts['arch'] => os.arch()

export const cpu = (): Facts['cpu'] => {
  const cpus = os.cpus()
  if (cpus.length === 0) return undefined
  const model = cpus[0]?.model.trim()
  return model ? { count: cpus.length, model } : { count: cpus.length }
}

export const memoryBytes = (): Facts['memory_bytes'] => os.totalmem()

export const uptimeSeconds = (): Facts['uptime_seconds'] => Math.floor(os.uptime())
