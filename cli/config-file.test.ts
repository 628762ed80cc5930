import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ConfigFile, configDir, configPath, readConfig, writeConfig } from './config-file'
import { choosePlatform } from './session'

const config: ConfigFile = {
  current: 'local',
  contexts: {
    local: {
      url: 'http://127.0.0.1:8787',
      credentials: { type: 'key', key: 'sw_local' },
      site: '01M952YWS02HQEAYSRMJCCY1QW',
    },
    prod: { url: 'https://ops.example.com', credentials: { type: 'key', key: 'sw_prod' } },
  },
}

describe('the config file', () => {
  let home: string
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'sitewire-config-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('lives under XDG_CONFIG_HOME when set', () => {
    expect(configDir({ XDG_CONFIG_HOME: home })).toBe(join(home, 'sitewire'))
  })

  it('is written with mode 0600 in a 0700 directory, and read back', async () => {
    const dir = join(home, 'sitewire')
    await writeConfig(dir, config)
    expect((await stat(configPath(dir))).mode & 0o777).toBe(0o600)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect(await readConfig(dir)).toEqual(config)
  })

  it('tightens the mode of a file that was readable by others', async () => {
    const dir = join(home, 'sitewire')
    await writeConfig(dir, config)
    await writeFile(configPath(dir), await readFile(configPath(dir)), { mode: 0o644 })
    await writeConfig(dir, config)
    expect((await stat(configPath(dir))).mode & 0o777).toBe(0o600)
  })

  it('is empty when missing, and refused with the field at fault when malformed', async () => {
    const dir = join(home, 'sitewire')
    expect(await readConfig(dir)).toEqual({ current: null, contexts: {} })
    await writeConfig(dir, config)
    await writeFile(configPath(dir), JSON.stringify({ current: null, contexts: { x: { url: 'nope' } } }))
    await expect(readConfig(dir)).rejects.toMatchObject({
      message: `${configPath(dir)} is not a Sitewire config`,
      details: ['contexts.x.url: Invalid URL: Received "nope"'],
    })
  })
})

describe('choosePlatform', () => {
  it('uses the current context', () => {
    const target = choosePlatform({}, {}, config)
    expect(target.url).toBe('http://127.0.0.1:8787')
    expect(target.client?.authHeaders()).toEqual({ authorization: 'Bearer sw_local' })
    expect(target.site).toBe('01M952YWS02HQEAYSRMJCCY1QW')
  })

  it('lets --context, then the environment, choose', () => {
    expect(choosePlatform({ context: 'prod' }, {}, config).url).toBe('https://ops.example.com')
    expect(choosePlatform({}, { SITEWIRE_CONTEXT: 'prod' }, config).url).toBe('https://ops.example.com')
  })

  it('lets SITEWIRE_URL and SITEWIRE_KEY override, borrowing the credentials of a context for that URL', () => {
    const borrowed = choosePlatform({}, { SITEWIRE_URL: 'https://ops.example.com/' }, config)
    expect(borrowed.contextName).toBe('prod')
    expect(borrowed.client?.authHeaders()).toEqual({ authorization: 'Bearer sw_prod' })
    const keyed = choosePlatform({}, { SITEWIRE_URL: 'http://other:1', SITEWIRE_KEY: 'sw_env' }, config)
    expect(keyed.url).toBe('http://other:1')
    expect(keyed.client?.authHeaders()).toEqual({ authorization: 'Bearer sw_env' })
    expect(choosePlatform({ site: 'S' }, { SITEWIRE_SITE: 'E' }, config).site).toBe('S')
  })

  it('refuses a context that does not exist', () => {
    expect(() => choosePlatform({ context: 'staging' }, {}, config)).toThrow('no context named staging')
  })
})
