import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'libsql'

/** One site's storage as its Durable Object's SQLite holds it, at one moment. */
export interface SiteStorage {
  /** The `.sqlite` file and its write-ahead log, as on disk. */
  fileBytes: number
  walBytes: number
  /** Pages in use (page_count − freelist_count) × page size: what the data takes, whatever the file's size. */
  usedBytes?: number
  /** Free pages the database keeps for reuse: space pruned rows left behind. */
  freeBytes?: number
  /** Rows of the `events` table, the log, and the bytes of their stored JSON. */
  events?: number
  eventBytes?: number
  /** Of those, step output chunks: what archiving prunes. */
  outputEvents?: number
  /** Why the rows could not be read, when they could not. */
  unreadable?: string
}

const OBJECT_FILE = /^[0-9a-f]{64}\.sqlite$/
const siteObjectDir = (dataDir: string) => join(dataDir, 'workerd', 'do', 'sitewire-SiteObject')

/** The Site objects' SQLite files under the platform's data dir (Miniflare names each by a hash of the object's id). */
export const siteObjectFiles = (dataDir: string): string[] => {
  const dir = siteObjectDir(dataDir)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => OBJECT_FILE.test(name))
    .map((name) => join(dir, name))
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0)

/**
 * Measures one site's SQLite. The rows are read from a copy of the file and its WAL, never
 * from the live file: workerd has it open, and a second process's connection must not take
 * part in its locking or checkpoints. Call it when the site is quiet, so the copy is whole.
 */
export const measureSiteStorage = (file: string): SiteStorage => {
  const storage: SiteStorage = { fileBytes: sizeOf(file), walBytes: sizeOf(`${file}-wal`) }
  const dir = mkdtempSync(join(tmpdir(), 'sitewire-bench-site-copy-'))
  try {
    const copy = join(dir, 'site.sqlite')
    copyFileSync(file, copy)
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`)
    const db = new Database(copy)
    try {
      const pragma = (name: string) =>
        Number((db.prepare(`PRAGMA ${name}`).get() as Record<string, number> | undefined)?.[name] ?? 0)
      const pageSize = pragma('page_size')
      const pages = pragma('page_count')
      const free = pragma('freelist_count')
      const rows = db
        .prepare(
          "SELECT count(*) AS events, coalesce(sum(length(body)), 0) AS bytes, coalesce(sum(type = 'io.sitewire.step.output'), 0) AS output FROM events",
        )
        .get() as { events: number; bytes: number; output: number }
      storage.usedBytes = (pages - free) * pageSize
      storage.freeBytes = free * pageSize
      storage.events = rows.events
      storage.eventBytes = rows.bytes
      storage.outputEvents = rows.output
    } finally {
      db.close()
    }
  } catch (error) {
    storage.unreadable = error instanceof Error ? error.message : String(error)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return storage
}

/** Bytes under a directory, recursively: the local R2 bucket's blobs and metadata. */
export const directoryBytes = (dir: string): number => {
  if (!existsSync(dir)) return 0
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? directoryBytes(path) : statSync(path).size
  }
  return total
}

/** Where the local R2 bucket (the run archives) keeps its data. */
export const r2Dir = (dataDir: string) => join(dataDir, 'workerd', 'r2')
