import { chmodSync, chownSync, existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closedPort, stepHarness } from '../testing/steps'
import { tempDir } from '../testing/temp-dir'
import { SecretStore } from './secrets'

const VALUE = 's3cr3t-Value-42'

describe('SecretStore', () => {
  it('keeps values in a 0600 file, lists names only, and forgets them', () => {
    const path = join(tempDir(), 'secrets.json')
    const store = new SecretStore(path)
    expect(store.names()).toEqual([])
    store.set('DB_PASSWORD', VALUE)
    store.set('API_TOKEN', 'token-value')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(store.names()).toEqual(['API_TOKEN', 'DB_PASSWORD'])
    expect(store.read()).toEqual({ DB_PASSWORD: VALUE, API_TOKEN: 'token-value' })
    expect(store.unset('API_TOKEN')).toBe(true)
    expect(store.unset('API_TOKEN')).toBe(false)
    expect(store.names()).toEqual(['DB_PASSWORD'])
  })

  it('refuses names a step could not refer to and values too short to mask', () => {
    const store = new SecretStore(join(tempDir(), 'secrets.json'))
    expect(() => store.set('1ABC', VALUE)).toThrow(/cannot set 1ABC: a secret name is letters/)
    expect(() => store.set('PIN', '123')).toThrow(/at least 4 characters/)
    expect(() => store.set('PIN', '123')).not.toThrow(/123/)
  })

  it('says which entry of a hand-edited file is wrong, without its value', () => {
    const path = join(tempDir(), 'secrets.json')
    writeFileSync(path, JSON.stringify({ GOOD_ONE: VALUE, SHORT: 'abc' }), { mode: 0o600 })
    expect(() => new SecretStore(path).read()).toThrow(
      `${path} is not valid: SHORT: a secret value has at least 4 characters, or output could not mask it`,
    )
  })

  it.skipIf(process.getuid?.() !== 0)(
    'gives the file to the owner of the state directory when root sets it',
    () => {
      const dir = tempDir()
      chownSync(dir, 65534, 65534)
      const store = new SecretStore(join(dir, 'secrets.json'))
      store.set('FOR_AGENT', VALUE)
      expect(statSync(join(dir, 'secrets.json'))).toMatchObject({ uid: 65534, gid: 65534 })
    },
  )

  it('refuses a file others may read', () => {
    const path = join(tempDir(), 'secrets.json')
    writeFileSync(path, JSON.stringify({ A_SECRET: VALUE }), { mode: 0o644 })
    chmodSync(path, 0o644)
    expect(() => new SecretStore(path).read()).toThrow(
      `${path} may be read by others (mode 0644): chmod 600 it, and take its secrets as exposed`,
    )
  })
})

describe('steps with secrets', () => {
  it('resolves secrets in the script and its environment, and masks them in every event and log line', async () => {
    const { run, secrets, spool, logs } = stepHarness()
    secrets.set('DB_PASSWORD', VALUE)
    const result = await run({
      kind: 'script',
      name: 'uses {{ secrets.DB_PASSWORD }}',
      body: 'echo "env: $PASSWORD"\necho "body: {{ secrets.DB_PASSWORD }}" >&2\n[ "$PASSWORD" = "$1" ] && echo same\nexit 1',
      args: ['{{secrets.DB_PASSWORD}}'],
      env: { PASSWORD: '{{ secrets.DB_PASSWORD }}' },
    })
    expect(result.text.sort()).toEqual(['body: ***', 'env: ***', 'same'])
    expect(result.end?.outcome).toBe('failed')
    const everything = [...spool.entries()].map((entry) => entry.text).join('\n') + logs.join('\n')
    expect(everything).toContain('***')
    expect(everything).not.toContain(VALUE)
  })

  it('masks secrets in the message of a failed step', async () => {
    const { run, secrets } = stepHarness()
    secrets.set('TOKEN', VALUE)
    const port = await closedPort()
    const result = await run({ kind: 'http', url: `http://127.0.0.1:${port}/hook?token={{secrets.TOKEN}}` })
    expect(result.end?.outcome).toBe('failed')
    expect(result.end?.message).toContain(
      `could not call http://127.0.0.1:${port}/hook?token=***: fetch failed`,
    )
    expect(result.end?.message).not.toContain(VALUE)
  })

  it('runs nothing when a secret is unknown, and names the missing ones', async () => {
    const { run, secrets } = stepHarness()
    secrets.set('KNOWN', VALUE)
    const marker = join(tempDir(), 'ran')
    const result = await run({
      kind: 'script',
      body: `touch ${marker}\necho {{ secrets.KNOWN }} {{ secrets.MISSING_ONE }}`,
      env: { OTHER: '{{ secrets.MISSING_TWO }}' },
    })
    expect(existsSync(marker)).toBe(false)
    expect(result.started).toEqual([])
    expect(result.end).toMatchObject({
      outcome: 'error',
      exit_code: null,
      message:
        'unknown secrets MISSING_ONE, MISSING_TWO: set them on this machine with "sitewire-agent secrets set NAME"',
    })
  })
})
