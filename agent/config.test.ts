import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SPOOL_MAX_BYTES, resolveConfig } from './config'
import { tempDir } from './testing/temp-dir'

describe('resolveConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const stateDir = tempDir()
    const config = resolveConfig({ stateDir }, {})
    expect(config).toEqual({
      state_dir: stateDir,
      labels: {},
      spool_max_bytes: DEFAULT_SPOOL_MAX_BYTES,
      log_level: 'info',
      config_path: join(stateDir, 'agent.json'),
    })
  })

  it('takes the config file, then the environment, then the flags', () => {
    const stateDir = tempDir()
    writeFileSync(
      join(stateDir, 'agent.json'),
      JSON.stringify({
        url: 'https://file.example.com',
        labels: { env: 'file' },
        facts_interval_seconds: 10,
        spool_max_bytes: 1_000_000,
        log_level: 'warn',
      }),
    )
    const env = {
      SITEWIRE_AGENT_STATE_DIR: stateDir,
      SITEWIRE_AGENT_URL: 'https://env.example.com',
      SITEWIRE_AGENT_FACTS_INTERVAL: '20',
      SITEWIRE_AGENT_LABELS: 'env=environment,rack=r1',
    }
    const config = resolveConfig({ factsInterval: '30', logLevel: 'debug' }, env)
    expect(config).toMatchObject({
      state_dir: stateDir,
      url: 'https://env.example.com',
      labels: { env: 'environment', rack: 'r1' },
      facts_interval_seconds: 30,
      spool_max_bytes: 1_000_000,
      log_level: 'debug',
    })
    expect(resolveConfig({ label: ['env=flag'], url: 'http://127.0.0.1:8787' }, env)).toMatchObject({
      url: 'http://127.0.0.1:8787',
      labels: { env: 'flag' },
      facts_interval_seconds: 20,
    })
  })

  it('takes where SystemdUnit finds systemctl and writes unit files, layer by layer', () => {
    const stateDir = tempDir()
    writeFileSync(
      join(stateDir, 'agent.json'),
      JSON.stringify({ systemctl: '/usr/local/bin/systemctl', systemd_unit_dir: '/run/systemd/system' }),
    )
    const env = { SITEWIRE_AGENT_STATE_DIR: stateDir, SITEWIRE_AGENT_SYSTEMD_UNIT_DIR: '/etc/sitewire/units' }
    expect(resolveConfig({}, env)).toMatchObject({
      systemctl: '/usr/local/bin/systemctl',
      systemd_unit_dir: '/etc/sitewire/units',
    })
    expect(resolveConfig({ systemctl: '/opt/systemctl' }, env)).toMatchObject({ systemctl: '/opt/systemctl' })
    expect(() => resolveConfig({ stateDir, systemdUnitDir: 'units' }, {})).toThrow(
      '--systemd-unit-dir: must be an absolute path',
    )
  })

  it('reads the config file --config names, and its state_dir', () => {
    const dir = tempDir()
    const path = join(dir, 'elsewhere.json')
    writeFileSync(path, JSON.stringify({ state_dir: join(dir, 'state') }))
    expect(resolveConfig({ config: path }, {})).toMatchObject({
      state_dir: join(dir, 'state'),
      config_path: path,
    })
  })

  it('names the setting at fault, as its source spells it', () => {
    const stateDir = tempDir()
    expect(() => resolveConfig({ stateDir }, { SITEWIRE_AGENT_FACTS_INTERVAL: 'soon' })).toThrow(
      'invalid environment: SITEWIRE_AGENT_FACTS_INTERVAL: must be a number of seconds',
    )
    expect(() => resolveConfig({ stateDir, spoolMaxBytes: '10' }, {})).toThrow(
      '--spool-max-bytes: must hold at least one frame',
    )
    expect(() => resolveConfig({ stateDir, label: ['novalue'] }, {})).toThrow(
      'a label is key=value, not "novalue"',
    )
    writeFileSync(join(stateDir, 'agent.json'), JSON.stringify({ log_level: 'loud' }))
    expect(() => resolveConfig({ stateDir }, {})).toThrow(
      'log_level: must be one of debug, info, warn, error',
    )
    writeFileSync(join(stateDir, 'agent.json'), JSON.stringify({ colour: 'blue' }))
    expect(() => resolveConfig({ stateDir }, {})).toThrow(/invalid config file/)
    expect(() => resolveConfig({ config: join(stateDir, 'missing.json') }, {})).toThrow('does not exist')
  })
})
