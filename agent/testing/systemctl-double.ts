import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './temp-dir'

/**
 * A stand-in for `systemctl` where systemd does not run (a container, a CI runner): a shell
 * script answering the calls the `SystemdUnit` kind makes. Each call is appended to
 * `calls.log`; whether a unit is enabled or active is a file in `state/`; `start` fails, as
 * systemd's would, for a unit whose file is not in the unit directory.
 */
export const systemctlDouble = () => {
  const dir = tempDir('sitewire-systemctl-')
  const unitDir = join(dir, 'units')
  const state = join(dir, 'state')
  const calls = join(dir, 'calls.log')
  mkdirSync(unitDir)
  mkdirSync(state)
  const systemctl = join(dir, 'systemctl')
  writeFileSync(
    systemctl,
    `#!/bin/sh
echo "$*" >> '${calls}'
state='${state}'
case "$1" in
  daemon-reload) ;;
  enable) touch "$state/$2.enabled" ;;
  disable) rm -f "$state/$2.enabled" ;;
  start|restart)
    [ -f '${unitDir}'/"$2" ] || { echo "Unit $2 not found." >&2; exit 5; }
    touch "$state/$2.active" ;;
  stop) rm -f "$state/$2.active" ;;
  is-enabled)
    [ -f '${unitDir}'/"$2" ] || { echo "Failed to get unit file state for $2" >&2; exit 1; }
    if [ -f "$state/$2.enabled" ]; then echo enabled; else echo disabled; exit 1; fi ;;
  is-active) if [ -f "$state/$2.active" ]; then echo active; else echo inactive; exit 3; fi ;;
  *) echo "Unknown command verb $1." >&2; exit 1 ;;
esac
`,
  )
  chmodSync(systemctl, 0o755)
  return {
    settings: { systemctl, unitDir },
    /** The calls made so far, one argv line each. */
    calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []),
  }
}
