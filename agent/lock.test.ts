import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { acquireLock, runningPid } from './lock'
import { tempDir } from './testing/temp-dir'

const lockPath = () => join(tempDir(), 'agent.pid')

describe('acquireLock', () => {
  it('admits one agent at a time', () => {
    const path = lockPath()
    const release = acquireLock(path)
    expect(runningPid(path)).toBe(process.pid)
    expect(() => acquireLock(path)).toThrow(`another agent (pid ${process.pid}) is running`)
    release()
    expect(runningPid(path)).toBeUndefined()
    acquireLock(path)()
  })

  it('takes over a lock left by an agent that is gone, even one that had our pid', () => {
    for (const stale of ['999999999', String(process.pid)]) {
      const path = lockPath()
      writeFileSync(path, `${stale}\n`)
      expect(runningPid(path)).toBeUndefined()
      acquireLock(path)()
    }
  })
})
