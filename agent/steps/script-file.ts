import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SystemUser } from './users'

export interface ScriptFile {
  path: string
  remove: () => void
}

/**
 * Writes a step's script to a private file: a directory of its own (0700) holding the file
 * (0600), removed once the step ends, as the body may hold resolved secrets. It goes under
 * the agent's `workDir`, unless the step runs as another user: that user could not enter
 * the state directory (0700, the agent's), so it goes under the system's temporary
 * directory and belongs to that user.
 */
export const writeScriptFile = (
  body: string,
  extension: string,
  workDir: string,
  user: SystemUser | undefined,
): ScriptFile => {
  if (!user) mkdirSync(workDir, { recursive: true, mode: 0o700 })
  const dir = mkdtempSync(join(user ? tmpdir() : workDir, 'sitewire-step-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    const path = join(dir, `script${extension}`)
    writeFileSync(path, body, { mode: 0o600, flag: 'wx' })
    if (user) {
      chownSync(dir, user.uid, user.gid)
      chownSync(path, user.uid, user.gid)
    }
    return { path, remove }
  } catch (error) {
    remove()
    throw error
  }
}

/** Scripts a crashed agent left behind: they may hold secrets. */
export const clearWorkDir = (workDir: string) => rmSync(workDir, { recursive: true, force: true })
