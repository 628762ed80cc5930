import type { PackageManifest } from '../../schema/resources/manifest'
import { mustRun, onPath, runHostCommand } from './host-command'

/** Installing may download and run maintainer scripts; observing is a database lookup. */
const INSTALL_TIMEOUT_MS = 600_000
const QUERY_TIMEOUT_MS = 30_000

/** apt and dnf as the `Package` kind uses them. */
export interface PackageManager {
  readonly name: 'apt' | 'dnf'
  /** The installed version, or null when it is not installed. */
  installed(name: string): Promise<string | null>
  /** The version a local package file holds. */
  versionOf(source: string): Promise<string>
  /** Installs `version` (`latest`: what the index offers), or the local file `source`. */
  install(name: string, version: string, source: string | undefined): Promise<void>
  remove(name: string): Promise<void>
}

// Never a prompt: nobody is there to answer it.
const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' }

export const apt: PackageManager = {
  name: 'apt',
  async installed(name) {
    // A removed package whose config files stay is still listed: only `installed` counts.
    const result = await runHostCommand(
      'dpkg-query',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not JavaScript's
      ['-W', '-f', '${db:Status-Status}\t${Version}', name],
      QUERY_TIMEOUT_MS,
    )
    if (result.code !== 0) return null
    const [status, version] = result.stdout.split('\t')
    return status === 'installed' && version ? version : null
  },
  async versionOf(source) {
    return (await mustRun('dpkg-deb', ['-f', source, 'Version'], QUERY_TIMEOUT_MS)).stdout.trim()
  },
  async install(name, version, source) {
    if (source) await mustRun('dpkg', ['-i', source], INSTALL_TIMEOUT_MS, APT_ENV)
    else
      await mustRun(
        'apt-get',
        ['install', '-y', '--allow-downgrades', version === 'latest' ? name : `${name}=${version}`],
        INSTALL_TIMEOUT_MS,
        APT_ENV,
      )
  },
  async remove(name) {
    await mustRun('apt-get', ['remove', '-y', name], INSTALL_TIMEOUT_MS, APT_ENV)
  },
}

export const dnf: PackageManager = {
  name: 'dnf',
  async installed(name) {
    const result = await runHostCommand(
      'rpm',
      ['-q', '--qf', '%{VERSION}-%{RELEASE}', name],
      QUERY_TIMEOUT_MS,
    )
    return result.code === 0 && result.stdout ? result.stdout.trim() : null
  },
  async versionOf(source) {
    return (
      await mustRun('rpm', ['-qp', '--qf', '%{VERSION}-%{RELEASE}', source], QUERY_TIMEOUT_MS)
    ).stdout.trim()
  },
  async install(name, version, source) {
    // `dnf install` of a named version up- or downgrades an installed one to it.
    const what = source ?? (version === 'latest' ? name : `${name}-${version}`)
    await mustRun('dnf', ['install', '-y', what], INSTALL_TIMEOUT_MS)
  },
  async remove(name) {
    await mustRun('dnf', ['remove', '-y', name], INSTALL_TIMEOUT_MS)
  },
}

/** The manager the manifest names, else the one this host has (dpkg's before rpm's). */
export const packageManagerFor = (manifest: PackageManifest): PackageManager | null => {
  if (manifest.manager === 'apt') return apt
  if (manifest.manager === 'dnf') return dnf
  if (onPath('dpkg-query')) return apt
  if (onPath('dnf')) return dnf
  return null
}
