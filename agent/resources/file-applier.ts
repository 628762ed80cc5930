import { createHash } from 'node:crypto'
import { chmod, chown, mkdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { DirectoryManifest, FileManifest } from '../../schema/resources/manifest'
import type { UpdateStrategy } from '../../schema/resources/resource'
import { errorMessage } from '../log'
import { type Applier, type ApplyOutcome, failed } from './applier'
import { mustRun } from './host-command'

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')
const modeOf = (text: string) => Number.parseInt(text, 8)
const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT'

/** A file as it is on disk, or null when there is none. */
const observeFile = async (path: string) => {
  try {
    // One after the other: when both fail, the error (and so the status message) is always stat's.
    const info = await stat(path)
    const content = await readFile(path)
    return {
      exists: true,
      path,
      sha256: sha256(content),
      mode: octal(info.mode),
      size: info.size,
      uid: info.uid,
      gid: info.gid,
    }
  } catch (error) {
    if (missing(error)) return null
    throw error
  }
}

/** Files uploaded to the site, as this agent may download them: the bytes, and their sha256. */
export interface StoredFiles {
  download(fileId: string): Promise<{ bytes: Buffer; sha256: string }>
}

const noStoredFiles: StoredFiles = {
  download: () => Promise.reject(new Error('this agent has no way to download stored files')),
}

/** A user's or group's number: given as a number, or looked up as `id` and `getent` would. */
const accountId = async (name: string, kind: 'user' | 'group'): Promise<number> => {
  if (/^\d+$/.test(name)) return Number(name)
  const { stdout } =
    kind === 'user'
      ? await mustRun('id', ['-u', name], LOOKUP_TIMEOUT_MS)
      : await mustRun('getent', ['group', name], LOOKUP_TIMEOUT_MS)
  const id = Number(kind === 'user' ? stdout.trim() : stdout.split(':')[2])
  if (!Number.isInteger(id)) throw new Error(`no ${kind} ${name} on this host`)
  return id
}

const LOOKUP_TIMEOUT_MS = 10_000

/**
 * `File`: inline content or a stored file kept byte for byte, with its mode and, when named, its
 * owner and group; drift is a different sha256, mode or owner. Update and ServerSideApply restore
 * it; CreateOnly only creates it; ReadOnly only looks. A stored file is downloaded to learn its
 * sha256 once (its content never changes), and again only to write it.
 */
export class FileApplier implements Applier<FileManifest> {
  private readonly storedSha256 = new Map<string, string>()
  private readonly accountIds = new Map<string, number>()

  constructor(private readonly stored: StoredFiles = noStoredFiles) {}

  async apply(manifest: FileManifest, strategy: UpdateStrategy): Promise<ApplyOutcome> {
    try {
      const before = await observeFile(manifest.path)
      let content: Buffer | string | undefined = manifest.content
      if (content === undefined && !this.storedSha256.has(manifest.file_id ?? ''))
        content = await this.download(manifest)
      const uid = manifest.owner === undefined ? undefined : await this.accountId(manifest.owner, 'user')
      const gid = manifest.group === undefined ? undefined : await this.accountId(manifest.group, 'group')
      const wanted = {
        sha256: content === undefined ? this.storedSha256.get(manifest.file_id ?? '') : sha256(content),
        mode: octal(modeOf(manifest.mode)),
      }
      const inSync =
        before !== null &&
        before.sha256 === wanted.sha256 &&
        before.mode === wanted.mode &&
        (uid === undefined || before.uid === uid) &&
        (gid === undefined || before.gid === gid)
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
      content ??= await this.download(manifest)
      await mkdir(dirname(manifest.path), { recursive: true })
      // Replaced whole, by a rename: whoever reads it sees the old content or the new, never half.
      const temp = join(dirname(manifest.path), `.${basename(manifest.path)}.sitewire.tmp`)
      await writeFile(temp, content, { mode: modeOf(manifest.mode) })
      await chmod(temp, modeOf(manifest.mode))
      if (uid !== undefined || gid !== undefined) await chown(temp, uid ?? -1, gid ?? -1)
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
  }

  async remove(manifest: FileManifest) {
    await rm(manifest.path, { force: true })
  }

  /** Names found are kept for the agent's life: each pass would otherwise run `id` or `getent`. A name not found is asked again. */
  private async accountId(name: string, kind: 'user' | 'group') {
    const key = `${kind}:${name}`
    const known = this.accountIds.get(key)
    if (known !== undefined) return known
    const id = await accountId(name, kind)
    this.accountIds.set(key, id)
    return id
  }

  private async download(manifest: FileManifest) {
    const fileId = manifest.file_id ?? ''
    const { bytes, sha256: digest } = await this.stored.download(fileId)
    this.storedSha256.set(fileId, digest)
    return bytes
  }
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
