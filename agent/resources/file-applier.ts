import { createHash } from 'node:crypto'
import { chmod, mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { DirectoryManifest, FileManifest } from '../../schema/resources/manifest'
import type { UpdateStrategy } from '../../schema/resources/resource'
import { errorMessage } from '../log'
import { type Applier, type ApplyOutcome, failed } from './applier'

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')
const modeOf = (text: string) => Number.parseInt(text, 8)
const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT'

/** A file as it is on disk, or null when there is none. */
const observeFile = async (path: string) => {
  try {
    const [content, info] = await Promise.all([readFile(path), stat(path)])
    return { exists: true, path, sha256: sha256(content), mode: octal(info.mode), size: info.size }
  } catch (error) {
    if (missing(error)) return null
    throw error
  }
}

/**
 * `File`: inline content kept byte for byte, with its mode; drift is a different sha256 or
 * mode. Update and ServerSideApply restore it; CreateOnly only creates it; ReadOnly only looks.
 */
export const fileApplier: Applier<FileManifest> = {
  async apply(manifest, strategy): Promise<ApplyOutcome> {
    try {
      const before = await observeFile(manifest.path)
      const wanted = { sha256: sha256(manifest.content), mode: octal(modeOf(manifest.mode)) }
      const inSync = before !== null && before.sha256 === wanted.sha256 && before.mode === wanted.mode
      if (strategy === 'ReadOnly' || (strategy === 'CreateOnly' && before !== null) || inSync) {
        const found = before !== null
        return {
          applied: found || strategy !== 'ReadOnly',
          changed: false,
          available: found,
          ...(found ? {} : { reason: 'NotFound' }),
          message: found ? `${manifest.path} is there` : `${manifest.path} does not exist`,
          observed: before ?? { exists: false, path: manifest.path },
        }
      }
      await mkdir(dirname(manifest.path), { recursive: true })
      // Replaced whole, by a rename: whoever reads it sees the old content or the new, never half.
      const temp = join(dirname(manifest.path), `.${basename(manifest.path)}.sitewire.tmp`)
      await writeFile(temp, manifest.content, { mode: modeOf(manifest.mode) })
      await chmod(temp, modeOf(manifest.mode))
      await rename(temp, manifest.path)
      return {
        applied: true,
        changed: true,
        available: true,
        message: before === null ? `created ${manifest.path}` : `restored ${manifest.path}`,
        observed: (await observeFile(manifest.path)) ?? {},
      }
    } catch (error) {
      return failed(errorMessage(error), { path: manifest.path })
    }
  },
  async remove(manifest) {
    await rm(manifest.path, { force: true })
  },
}

/** `Directory`: made with its parents and its mode; removed only when empty. */
export const directoryApplier: Applier<DirectoryManifest> = {
  async apply(manifest, strategy: UpdateStrategy): Promise<ApplyOutcome> {
    try {
      const before = await stat(manifest.path).catch((error) => {
        if (missing(error)) return null
        throw error
      })
      const wanted = octal(modeOf(manifest.mode))
      const observed = (mode: number) => ({ exists: true, path: manifest.path, mode: octal(mode) })
      if (before !== null && !before.isDirectory())
        return failed(`${manifest.path} exists and is not a directory`)
      const inSync = before !== null && octal(before.mode) === wanted
      if (strategy === 'ReadOnly' || (strategy === 'CreateOnly' && before !== null) || inSync) {
        return {
          applied: before !== null || strategy !== 'ReadOnly',
          changed: false,
          available: before !== null,
          ...(before === null ? { reason: 'NotFound' } : {}),
          message: before === null ? `${manifest.path} does not exist` : `${manifest.path} is there`,
          observed: before === null ? { exists: false, path: manifest.path } : observed(before.mode),
        }
      }
      await mkdir(manifest.path, { recursive: true, mode: modeOf(manifest.mode) })
      await chmod(manifest.path, modeOf(manifest.mode))
      return {
        applied: true,
        changed: true,
        available: true,
        message: before === null ? `created ${manifest.path}` : `restored the mode of ${manifest.path}`,
        observed: observed(modeOf(manifest.mode)),
      }
    } catch (error) {
      return failed(errorMessage(error), { path: manifest.path })
    }
  },
  // Only an empty directory goes: what others put in it stays, and so does it (the error says so).
  async remove(manifest) {
    await rmdir(manifest.path).catch((error) => {
      if (!missing(error)) throw error
    })
  },
}
