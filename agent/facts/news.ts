import type { Facts } from '../../schema/agent/facts'
import type { FactsChange } from './diff'

type Disks = NonNullable<Facts['disks']>

/** Disk usage moves all the time; a move under this share of the disk isn't worth a report. */
const DISK_USAGE_STEP = 0.01

const disksMoved = (previous: Disks, next: Disks) =>
  previous.length !== next.length ||
  next.some((disk, index) => {
    const before = previous[index]
    return (
      before === undefined ||
      before.mount !== disk.mount ||
      before.device !== disk.device ||
      before.filesystem !== disk.filesystem ||
      before.size_bytes !== disk.size_bytes ||
      Math.abs(before.used_bytes - disk.used_bytes) >= disk.size_bytes * DISK_USAGE_STEP
    )
  })

/**
 * Whether a change is worth a report. Uptime grows and disk usage drifts at every look: alone
 * they aren't news, unless uptime went down (a reboot) or a disk filled or emptied noticeably.
 * When anything else changed, their current values ride along.
 */
export const isNews = (change: FactsChange, previous: Facts | undefined): boolean => {
  if (!previous || change.removed.length > 0 || change.packagesDelta) return true
  return Object.keys(change.changed).some((name) => {
    if (name === 'uptime_seconds')
      return (change.changed.uptime_seconds ?? 0) < (previous.uptime_seconds ?? 0)
    if (name === 'disks') return disksMoved(previous.disks ?? [], change.changed.disks ?? [])
    return true
  })
}
