import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Writes figures as JSON, then lays it out with the repository's own formatter, so a fresh
 * results file passes `npm run check` as it is committed.
 */
export const writeJson = (root: string, file: string, value: unknown) => {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', file], {
      stdio: 'ignore',
    })
  } catch {
    // Without the formatter the file is still valid JSON, only laid out differently.
  }
}
