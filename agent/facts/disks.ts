import { readFile, statfs } from 'node:fs/promises'
import type { Facts } from '../../schema/agent/facts'

/** Kernel, memory and container-layer filesystems: not disks anyone provisions. */
const PSEUDO_FILESYSTEMS = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fuse.lxcfs',
  'fuse.portal',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'overlay',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
])

/** A hung network mount must not hold up the whole report. */
const STATFS_TIMEOUT_MS = 2000

export interface Mount {
  device: string
  mount: string
  filesystem: string
}

// /proc/mounts writes space, tab, newline and backslash as octal escapes.
const decodeOctalEscapes = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))

/** Real filesystems in /proc/mounts, each device once (bind mounts repeat it). */
export const parseMounts = (text: string): Mount[] => {
  const seen = new Set<string>()
  const mounts: Mount[] = []
  for (const line of text.split('\n')) {
    const [device, mount, filesystem] = line.split(' ').map(decodeOctalEscapes)
    if (!device || !mount || !filesystem || PSEUDO_FILESYSTEMS.has(filesystem) || seen.has(device)) continue
    seen.add(device)
    mounts.push({ device, mount, filesystem })
  }
  return mounts
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)
    promise.then(resolve, reject).finally(() => clearTimeout(timer))
  })

const usage = async ({ device, mount, filesystem }: Mount) => {
  try {
    const stats = await withTimeout(statfs(mount), STATFS_TIMEOUT_MS)
    const size = stats.blocks * stats.bsize
    return size > 0
      ? {
          mount,
          filesystem,
          device,
          size_bytes: size,
          used_bytes: (stats.blocks - stats.bfree) * stats.bsize,
        }
      : undefined
  } catch {
    return undefined
  }
}

export const disks = async (): Promise<Facts['disks']> => {
  const mounts = parseMounts(await readFile('/proc/mounts', 'utf8'))
  const sized = await Promise.all(mounts.map(usage))
  return sized.filter((disk) => disk !== undefined).slice(0, 256)
}
