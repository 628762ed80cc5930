import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { AgentError } from './errors'

/** Locks this process holds: a lock file naming our own pid is otherwise left by an earlier run (pid 1 in a container). */
const held = new Set<string>()

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid of the agent running with this lock file, if one is. */
export const runningPid = (path: string): number | undefined => {
  let pid: number
  try {
    pid = Number(readFileSync(path, 'utf8').trim())
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  if (pid === process.pid) return held.has(resolve(path)) ? pid : undefined
  return isAlive(pid) ? pid : undefined
}

/**
 * One running agent per state directory: two would interleave one spool. A lock left by an
 * agent that died is taken over. Returns the function that releases it.
 */
export const acquireLock = (path: string): (() => void) => {
  const key = resolve(path)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, `${process.pid}\n`)
      closeSync(fd)
      held.add(key)
      return () => {
        held.delete(key)
        rmSync(path, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const pid = runningPid(path)
      if (pid !== undefined)
        throw new AgentError(`another agent (pid ${pid}) is running with this state directory`)
      rmSync(path, { force: true })
    }
  }
  throw new AgentError(`could not take the lock ${path}`)
}
