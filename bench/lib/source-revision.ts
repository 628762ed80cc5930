import { execFileSync } from 'node:child_process'

/**
 * The commit the figures were measured on, and which files differed from it: in a checkout
 * shared with other work, uncommitted changes are part of what was measured.
 */
export const sourceRevision = (root: string) => {
  const git = (...args: string[]) => {
    try {
      // Only the end: `git status --porcelain` lines start with a status column that may be a space.
      return execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trimEnd()
    } catch {
      return ''
    }
  }
  const changed = git('status', '--porcelain')
    .split('\n')
    .map((line) => line.slice(3))
    .filter((path) => path && !path.startsWith('bench/'))
  return { commit: git('rev-parse', 'HEAD') || 'unknown', uncommittedOutsideBench: changed }
}
