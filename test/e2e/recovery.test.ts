import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiKey, AuditEntry } from '../../schema/api/access'
import type { CreatedUser, Me } from '../../schema/api/users'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { sitewire } from './cli-process'

const root = resolve(import.meta.dirname, '../..')

/** `npm run admin -- reset-admin` as a local operator runs it; resolves with its exit code and output. */
const resetAdmin = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)('npm', ['run', '-s', 'admin', '--', 'reset-admin', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  )

/** Recovery of a tenant whose every admin credential is lost, by whoever holds the platform's data. */
describe('reset-admin', () => {
  let platform: RunningPlatform
  let dataDir: string
  /** The admin key reset-admin minted, once the first test has run. */
  let recoveredKey = ''
  const port = testPort(25)

  const api = (key: string, path: string, init: RequestInit = {}) =>
    fetch(`${platform.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-recovery-e2e-'))
    platform = await startPlatform({ dataDir, port })
  })

  afterAll(async () => {
    await platform?.stop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('keeps the bootstrap token in the data directory, readable by its owner only', async () => {
    const { mode } = await stat(join(dataDir, 'bootstrap-token'))
    expect(mode & 0o777).toBe(0o600)
  })

  it('mints a new admin key once the only one is revoked, and audits it', async () => {
    const adminKey = platform.adminKey ?? ''
    const me = (await (await api(adminKey, '/v1/auth/me')).json()) as Me
    expect((await api(adminKey, `/v1/api-keys/${me.actor.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await api(adminKey, '/v1/sites')).status).toBe(401)

    const reset = await resetAdmin(['--data-dir', dataDir, '--port', String(port)])
    expect(reset.stderr).toBe('')
    expect(reset.code).toBe(0)
    const key = /^\s+(sw_\S+)$/m.exec(reset.stdout)?.[1] ?? ''
    recoveredKey = key
    expect(reset.stdout).toContain(`New admin API key for tenant ${me.tenant_id}`)

    const recovered = (await (await api(key, '/v1/auth/me')).json()) as Me
    expect(recovered).toMatchObject({ tenant_id: me.tenant_id, role: 'admin', actor: { type: 'key' } })
    const listed = (await (await api(key, `/v1/api-keys/${recovered.actor.id}`)).json()) as ApiKey
    expect(listed).toMatchObject({ name: 'recovered admin', role: 'admin', site_id: null, revoked_at: null })

    const audit = (await (await api(key, '/v1/audit?action=api_key.recover')).json()) as {
      items: AuditEntry[]
    }
    expect(audit.items).toHaveLength(1)
    expect(audit.items[0]).toMatchObject({
      actor: { type: 'anonymous', id: null },
      object: { type: 'api_key', id: recovered.actor.id },
      status: 201,
      details: { via: 'bootstrap_token' },
    })
  })

  it('refuses without the right bootstrap token, or for a tenant that does not exist', async () => {
    const wrong = await resetAdmin(['--data-dir', dataDir, '--port', String(port)], {
      BOOTSTRAP_TOKEN: 'wrong',
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain(
      'error: recovering an admin key needs the deployment’s BOOTSTRAP_TOKEN (HTTP 401)',
    )
    const first = JSON.parse(await readFile(join(dataDir, 'bootstrap.json'), 'utf8')) as { tenant_id: string }
    const unknown = await resetAdmin([
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--tenant',
      '01M952YWS02HQEAYSRMJCCY1QW',
    ])
    expect(first.tenant_id).not.toBe('01M952YWS02HQEAYSRMJCCY1QW')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('error: no tenant with this id (HTTP 404)')
  })

  it("resets a user's password: the reset one opens no session until the user sets their own", async () => {
    const adminKey = recoveredKey
    const created = await api(adminKey, '/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'ana@example.com',
        name: 'Ana',
        password: 'first password 1',
        role: 'viewer',
      }),
    })
    const ana = (await created.json()) as CreatedUser
    const signIn = (body: Record<string, string>) =>
      fetch(`${platform.url}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ana@example.com', ...body }),
      })
    const before = await signIn({ password: 'first password 1' })
    expect(before.status).toBe(200)
    const oldCookie = before.headers.get('set-cookie')?.split(';')[0] ?? ''

    const reset = await sitewire(['--json', 'users', 'reset-password', ana.id], {
      env: { SITEWIRE_URL: platform.url, SITEWIRE_KEY: adminKey, XDG_CONFIG_HOME: dataDir },
    })
    expect(reset.code).toBe(0)
    const answer = JSON.parse(reset.stdout) as CreatedUser
    const temporary = answer.generated_password ?? ''
    expect(temporary.length).toBeGreaterThanOrEqual(12)

    expect((await fetch(`${platform.url}/v1/auth/me`, { headers: { cookie: oldCookie } })).status).toBe(401)
    expect((await signIn({ password: 'first password 1' })).status).toBe(401)
    const refused = await signIn({ password: temporary })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'password_change_required',
    )
    expect(refused.headers.get('set-cookie')).toBeNull()

    expect((await signIn({ password: temporary, new_password: 'my own password 2' })).status).toBe(200)
    expect((await signIn({ password: temporary })).status).toBe(401)
    expect((await signIn({ password: 'my own password 2' })).status).toBe(200)

    const audit = (await (await api(adminKey, `/v1/audit?action=user.password_reset`)).json()) as {
      items: AuditEntry[]
    }
    expect(audit.items[0]).toMatchObject({
      object: { type: 'user', id: ana.id },
      status: 200,
      details: { sessions_revoked: 1 },
    })
  })
})
