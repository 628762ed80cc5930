import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type Facts, MAX_PACKAGES } from '../../schema/agent/facts'

const run = promisify(execFile)

/** `name<TAB>version` lines, as both queries below print them. */
export const parsePackageLines = (text: string): NonNullable<Facts['packages']> => {
  const entries = text
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((columns): columns is [string, string] => Boolean(columns[0] && columns[1]))
    .map(([name, version]) => [name.trim(), version.trim()] as const)
    .sort(([a], [b]) => a.localeCompare(b))
  return Object.fromEntries(entries.slice(0, MAX_PACKAGES))
}

const QUERIES: [string, string[]][] = [
  // Only installed packages: dpkg also lists removed ones whose configuration stayed.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format placeholders
  ['dpkg-query', ['-W', '-f', '${db:Status-Status}\\t${Package}\\t${Version}\\n']],
  ['rpm', ['-qa', '--qf', 'installed\\t%{NAME}\\t%{VERSION}-%{RELEASE}\\n']],
]

/** Installed packages, from whichever package manager the machine has. */
export const packages = async (): Promise<Facts['packages']> => {
  for (const [command, args] of QUERIES) {
    try {
      const { stdout } = await run(command, args, { timeout: 15_000, maxBuffer: 16 * 1024 * 1024 })
      const installed = stdout
        .split('\n')
        .filter((line) => line.startsWith('installed\t'))
        .map((line) => line.slice('installed\t'.length))
        .join('\n')
      return parsePackageLines(installed)
    } catch {
      // Not this package manager: try the next.
    }
  }
  return undefined
}
