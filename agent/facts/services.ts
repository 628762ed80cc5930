import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import type { Facts } from '../../schema/agent/facts'

const run = promisify(execFile)

type Services = NonNullable<Facts['services']>

const columnsOf = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[0]?.endsWith('.service'))

/** Lines of `systemctl list-units --plain --no-legend`: UNIT LOAD ACTIVE SUB DESCRIPTION. */
export const parseServiceUnits = (text: string): Services =>
  columnsOf(text).map(([name = '', , active, sub = 'running']) => ({
    name,
    state: sub,
    ...(active ? { active } : {}),
  }))

/** Lines of `systemctl list-unit-files --plain --no-legend`: UNIT STATE [PRESET]; which start at boot. */
export const parseUnitFiles = (text: string): Map<string, boolean> =>
  new Map(columnsOf(text).map(([name = '', state = '']) => [name, state === 'enabled']))

/** Each unit with whether it is enabled, when its unit file says; units sorted so reports change only when they do. */
export const withEnablement = (units: Services, enabled: Map<string, boolean>): Services =>
  units
    .map((unit) => {
      const flag = enabled.get(unit.name)
      return flag === undefined ? unit : { ...unit, enabled: flag }
    })
    .sort((a, b) => a.name.localeCompare(b.name))

const systemctl = async (args: string[]) =>
  (
    await run('systemctl', [...args, '--type=service', '--no-legend', '--plain', '--no-pager'], {
      timeout: 5000,
    })
  ).stdout

/**
 * Service units that are loaded or installed to start, where systemd manages them (sd_booted(3)
 * checks the same directory): running ones, and enabled ones that are not running, which is news.
 */
export const services = async (): Promise<Facts['services']> => {
  if (!existsSync('/run/systemd/system')) return undefined
  const [units, files] = await Promise.all([
    systemctl(['list-units', '--all']),
    systemctl(['list-unit-files']),
  ])
  const enabled = parseUnitFiles(files)
  const loaded = parseServiceUnits(units).filter(
    (unit) => unit.active === 'active' || unit.active === 'activating' || enabled.get(unit.name) === true,
  )
  return withEnablement(loaded, enabled).slice(0, 2000)
}
