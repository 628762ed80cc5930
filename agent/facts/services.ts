import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import type { Facts } from '../../schema/agent/facts'

const run = promisify(execFile)

/** Lines of `systemctl list-units --plain --no-legend`: UNIT LOAD ACTIVE SUB DESCRIPTION. */
export const parseServiceUnits = (text: string): NonNullable<Facts['services']> =>
  text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[0]?.endsWith('.service'))
    .map(([name = '', , , sub = 'running']) => ({ name, state: sub }))

/** Running services, where systemd manages them (sd_booted(3) checks the same directory). */
export const services = async (): Promise<Facts['services']> => {
  if (!existsSync('/run/systemd/system')) return undefined
  const { stdout } = await run(
    'systemctl',
    ['list-units', '--type=service', '--state=running', '--no-legend', '--plain', '--no-pager'],
    { timeout: 5000 },
  )
  return parseServiceUnits(stdout).slice(0, 2000)
}
