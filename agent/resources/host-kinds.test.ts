import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { condition, keepResource, until } from '../testing/keep-resource'
import { systemctlDouble } from '../testing/systemctl-double'
import { tempDir } from '../testing/temp-dir'
import { onPath, runHostCommand } from './host-command'
import { systemdSettingsOf } from './systemd-unit-applier'

const isRoot = process.getuid?.() === 0
const canBuildDebs = isRoot && onPath('dpkg-deb') && onPath('dpkg-query') && onPath('apt-get')
// `offline` (or nothing, with a complaint on stderr) when systemd is not what booted this host.
const systemdRuns =
  onPath('systemctl') &&
  !['', 'offline'].includes((await runHostCommand('systemctl', ['is-system-running'], 10_000)).stdout.trim())

const PACKAGE = 'sitewire-test-package'

/** A tiny package: its control file and one file under /usr/share/<name>. */
const buildDeb = (version: string) => {
  const root = join(tempDir(), 'pkg')
  mkdirSync(join(root, 'DEBIAN'), { recursive: true })
  mkdirSync(join(root, 'usr/share', PACKAGE), { recursive: true })
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: ${PACKAGE}\nVersion: ${version}\nArchitecture: all\nMaintainer: Sitewire tests <tests@sitewire.invalid>\nDescription: installed and removed by the Package kind's test\n`,
  )
  writeFileSync(join(root, 'usr/share', PACKAGE, 'hello'), 'hello\n')
  const deb = `${root}.deb`
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', root, deb], { stdio: 'ignore' })
  return deb
}

/** The version dpkg has installed, or null, read from `dpkg-query --status`. */
const installedVersion = async () => {
  const { stdout } = await runHostCommand('dpkg-query', ['--status', PACKAGE], 30_000)
  if (!/^Status: install ok installed$/m.test(stdout)) return null
  return /^Version: (.+)$/m.exec(stdout)?.[1] ?? null
}

describe('host kinds', () => {
  it.runIf(canBuildDebs)(
    `Package for real${canBuildDebs ? '' : ' (skipped: needs root, dpkg-deb and apt-get)'}: a built .deb installed, reinstalled when removed by hand, removed on Foreground delete`,
    async () => {
      onTestFinished(async () => {
        await runHostCommand('dpkg', ['-r', PACKAGE], 60_000)
      })
      const deb = buildDeb('1.0-1')
      const { reports, remove } = keepResource(
        { kind: 'Package', name: PACKAGE, version: '1.0-1', source: deb },
        [{ name: 'version', path: '.version' }],
      )
      const applied = await until(() => reports().find((r) => r.feedback.version === '1.0-1'), 60_000)
      expect(condition(applied, 'Applied')).toMatchObject({ status: 'True' })
      expect(condition(applied, 'Available')).toMatchObject({ status: 'True' })
      expect(await installedVersion()).toBe('1.0-1')
      expect(existsSync(join('/usr/share', PACKAGE, 'hello'))).toBe(true)

      execFileSync('dpkg', ['-r', PACKAGE], { stdio: 'ignore' })
      await until(async () => ((await installedVersion()) === '1.0-1' ? true : undefined), 60_000)

      remove()
      await until(() => reports().find((r) => r.deleted), 60_000)
      expect(await installedVersion()).toBeNull()
      expect(existsSync(join('/usr/share', PACKAGE, 'hello'))).toBe(false)
    },
    120_000,
  )

  it.runIf(canBuildDebs)(
    `Package strategies for real${canBuildDebs ? '' : ' (skipped: needs root, dpkg-deb and apt-get)'}: ReadOnly only reports, CreateOnly keeps another version, Update installs the pinned one`,
    async () => {
      onTestFinished(async () => {
        await runHostCommand('dpkg', ['-r', PACKAGE], 60_000)
      })
      const [older, newer] = [buildDeb('1.0-1'), buildDeb('2.0-1')]
      const manifest = { kind: 'Package' as const, name: PACKAGE, version: '2.0-1', source: newer }
      const rules = [{ name: 'version', path: '.version' }]

      const observer = keepResource(manifest, rules, { strategy: 'ReadOnly' })
      const absent = await until(() => observer.reports()[0], 30_000)
      expect(condition(absent, 'Applied')).toMatchObject({ status: 'False', reason: 'NotFound' })
      expect(await installedVersion()).toBeNull()
      await observer.keeper.stop()

      execFileSync('dpkg', ['-i', older], { stdio: 'ignore' })
      const creator = keepResource(manifest, rules, { strategy: 'CreateOnly' })
      const kept = await until(() => creator.reports()[0], 30_000)
      expect(kept.feedback.version).toBe('1.0-1')
      expect(condition(kept, 'Applied')).toMatchObject({ status: 'True' })
      expect(await installedVersion()).toBe('1.0-1')
      await creator.keeper.stop()

      const updater = keepResource(manifest, rules, { strategy: 'Update' })
      await until(() => updater.reports().find((r) => r.feedback.version === '2.0-1'), 60_000)
      expect(await installedVersion()).toBe('2.0-1')
    },
    120_000,
  )

  const UNIT = 'sitewire-test-unit.service'
  const UNIT_CONTENT =
    "[Unit]\nDescription=Kept by the SystemdUnit kind's test\n\n[Service]\nExecStart=/bin/sleep 600\n\n[Install]\nWantedBy=multi-user.target\n"

  /** systemd itself where it runs (as root); else the documented double. */
  const systemdFor = () => {
    if (systemdRuns && isRoot) return { settings: systemdSettingsOf({}), calls: undefined }
    return systemctlDouble()
  }

  it(`SystemdUnit ${systemdRuns && isRoot ? 'for real: systemd runs here' : 'through a systemctl test double: systemd is not running here'}: written, enabled and started, restarted when stopped by hand, removed on Foreground delete`, async () => {
    const { settings, calls } = systemdFor()
    const systemctl = (...args: string[]) => runHostCommand(settings.systemctl, args, 60_000)
    onTestFinished(async () => {
      await systemctl('stop', UNIT)
      await systemctl('disable', UNIT)
    })
    const { reports, remove } = keepResource(
      { kind: 'SystemdUnit', name: UNIT, content: UNIT_CONTENT, enabled: true, active: true },
      [
        { name: 'enabled', path: '.enabled' },
        { name: 'active', path: '.active' },
      ],
      { systemd: settings },
    )
    const running = await until(() => reports().find((r) => r.feedback.active === 'active'), 30_000)
    expect(running.feedback.enabled).toBe('enabled')
    expect(condition(running, 'Applied')).toMatchObject({ status: 'True' })
    expect(condition(running, 'Available')).toMatchObject({ status: 'True' })
    expect(readFileSync(join(settings.unitDir, UNIT), 'utf8')).toBe(UNIT_CONTENT)
    // The double also tells which changes were made, in order.
    const changes = () => calls?.().filter((call) => !call.startsWith('is-'))
    if (calls) expect(changes()).toEqual(['daemon-reload', `enable ${UNIT}`, `start ${UNIT}`])

    await systemctl('stop', UNIT)
    await until(
      async () => ((await systemctl('is-active', UNIT)).stdout.trim() === 'active' ? true : undefined),
      30_000,
    )

    remove()
    await until(() => reports().find((r) => r.deleted), 30_000)
    expect(existsSync(join(settings.unitDir, UNIT))).toBe(false)
    expect((await systemctl('is-active', UNIT)).stdout.trim()).not.toBe('active')
    if (calls)
      expect(changes()?.slice(3)).toEqual([
        `stop ${UNIT}`,
        `start ${UNIT}`,
        `stop ${UNIT}`,
        `disable ${UNIT}`,
        'daemon-reload',
      ])
  }, 60_000)

  it('SystemdUnit through a systemctl test double (for its calls, wherever this runs): ReadOnly only observes, Update re-enables a unit disabled by hand', async () => {
    const { settings, calls } = systemctlDouble()
    const manifest = { kind: 'SystemdUnit' as const, name: UNIT, content: UNIT_CONTENT, enabled: true }
    const rules = [{ name: 'enabled', path: '.enabled' }]

    const observer = keepResource(manifest, rules, { strategy: 'ReadOnly', systemd: settings })
    const absent = await until(() => observer.reports()[0])
    expect(condition(absent, 'Applied')).toMatchObject({ status: 'False', reason: 'NotFound' })
    expect(existsSync(join(settings.unitDir, UNIT))).toBe(false)
    await observer.keeper.stop()
    expect(calls().every((call) => call.startsWith('is-'))).toBe(true)

    const updater = keepResource(manifest, rules, { strategy: 'Update', systemd: settings })
    await until(() => updater.reports().find((r) => r.feedback.enabled === 'enabled'))
    await runHostCommand(settings.systemctl, ['disable', UNIT], 10_000)
    await until(() => (calls().filter((call) => call === `enable ${UNIT}`).length === 2 ? true : undefined))
    // Only what the manifest names is managed: it says nothing of `active`, so nothing started it.
    expect(calls()).not.toContain(`start ${UNIT}`)
  })

  it('SystemdUnit through a systemctl test double (for its calls, wherever this runs): CreateOnly leaves an existing unit alone; a failed call is ApplyFailed with its stderr', async () => {
    const { settings, calls } = systemctlDouble()
    writeFileSync(join(settings.unitDir, UNIT), '[Service]\nExecStart=/bin/true\n')
    const creator = keepResource(
      { kind: 'SystemdUnit', name: UNIT, content: UNIT_CONTENT, enabled: true, active: true },
      [{ name: 'active', path: '.active' }],
      { strategy: 'CreateOnly', systemd: settings },
    )
    const left = await until(() => creator.reports()[0])
    expect(left.feedback.active).toBe('inactive')
    expect(readFileSync(join(settings.unitDir, UNIT), 'utf8')).toBe('[Service]\nExecStart=/bin/true\n')
    expect(calls().every((call) => call.startsWith('is-'))).toBe(true)
    await creator.keeper.stop()

    const missing = keepResource({ kind: 'SystemdUnit', name: 'missing.service', active: true }, [], {
      systemd: settings,
    })
    const refused = await until(() => missing.reports()[0])
    expect(condition(refused, 'Applied')).toMatchObject({ status: 'False', reason: 'ApplyFailed' })
    expect(condition(refused, 'Applied')?.message).toContain('Unit missing.service not found.')
  })
})
