import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { syncDirectory, writeFileAtomic } from '../state-dir'

/** The builds in the state directory: the one running, the one to roll back to. */
export const buildFiles = (dir: string) => ({
  dir,
  current: join(dir, 'current.mjs'),
  previous: join(dir, 'previous.mjs'),
})
export type BuildFiles = ReturnType<typeof buildFiles>

/**
 * Puts a checked build in place as `current.mjs`, keeping the one it replaces as
 * `previous.mjs`. With no build swapped in before, the installed program is the rollback,
 * so `previous.mjs` is absent. Each step is a rename, so a crash leaves a file whole.
 */
export const swapIn = (files: BuildFiles, content: Uint8Array) => {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 })
  const next = join(files.dir, 'next.mjs')
  writeFileAtomic(next, content, { mode: 0o700, durable: true })
  rmSync(files.previous, { force: true })
  if (existsSync(files.current)) renameSync(files.current, files.previous)
  renameSync(next, files.current)
  syncDirectory(files.dir)
}

/** Goes back to the build before the last swap: `previous.mjs`, or the installed program when there is none. */
export const rollBack = (files: BuildFiles) => {
  if (existsSync(files.previous)) renameSync(files.previous, files.current)
  else rmSync(files.current, { force: true })
  syncDirectory(files.dir)
}
