import type { PackageManifest } from '../../schema/resources/manifest'
import type { UpdateStrategy } from '../../schema/resources/resource'
import { errorMessage } from '../log'
import { type Applier, type ApplyOutcome, failed } from './applier'
import { type PackageManager, packageManagerFor } from './package-managers'

/** The version it must have: the pinned one, a local file's own, or null for whichever is installed. */
const wantedVersion = async (manifest: PackageManifest, manager: PackageManager) => {
  if (manifest.version !== 'latest') return manifest.version
  return manifest.source ? manager.versionOf(manifest.source) : null
}

const observedOf = (manifest: PackageManifest, manager: PackageManager, version: string | null) => ({
  name: manifest.name,
  manager: manager.name,
  installed: version !== null,
  version,
})

/**
 * `Package`: installed through apt or dnf, at its pinned version or any (`latest` is what the
 * index offers when it is installed: later releases are not chased on every pass). Drift is a
 * package removed or at another version: Update and ServerSideApply reinstall it, CreateOnly
 * only installs it when missing, ReadOnly only reports the version installed.
 */
export const packageApplier: Applier<PackageManifest> = {
  async apply(manifest, strategy: UpdateStrategy): Promise<ApplyOutcome> {
    const manager = packageManagerFor(manifest)
    if (!manager) return failed('neither apt nor dnf is installed here', { name: manifest.name })
    try {
      const before = await manager.installed(manifest.name)
      const wanted = await wantedVersion(manifest, manager)
      const inSync = before !== null && (wanted === null || before === wanted)
      if (strategy === 'ReadOnly' || (strategy === 'CreateOnly' && before !== null) || inSync) {
        const found = before !== null
        return {
          applied: found || strategy !== 'ReadOnly',
          changed: false,
          available: found,
          ...(found ? {} : { reason: 'NotFound' }),
          message: found ? `${manifest.name} ${before} is installed` : `${manifest.name} is not installed`,
          observed: observedOf(manifest, manager, before),
        }
      }
      await manager.install(manifest.name, manifest.version, manifest.source)
      const after = await manager.installed(manifest.name)
      if (after === null || (wanted !== null && after !== wanted))
        return failed(
          `${manager.name} finished, yet ${manifest.name} is at ${after ?? 'no version'}, not ${wanted}`,
          observedOf(manifest, manager, after),
        )
      return {
        applied: true,
        changed: true,
        available: true,
        message:
          before === null
            ? `installed ${manifest.name} ${after}`
            : `reinstalled ${manifest.name} ${after} over ${before}`,
        observed: observedOf(manifest, manager, after),
      }
    } catch (error) {
      return failed(errorMessage(error), { name: manifest.name, manager: manager.name })
    }
  },
  async remove(manifest) {
    const manager = packageManagerFor(manifest)
    if (!manager) return
    if ((await manager.installed(manifest.name)) !== null) await manager.remove(manifest.name)
  },
}
