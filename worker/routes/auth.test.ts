import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../schema/api/access'
import type { Me, SignedIn, User } from '../../schema/api/users'
import {
  answers,
  CHOSEN_PASSWORD,
  createUser,
  expectNoSecretsAnswered,
  newPassword,
  recording,
  sessionClient,
  sessionCookieOf,
  signedIn,
  signIn,
  uniqueAddress,
  uniqueEmail,
} from '../../test/people-support'
import { BASE, type Client, client, createSite, expectError, newTenant } from '../../test/worker-support'
import { sha256Hex } from '../auth/api-keys'
import { signIn as signInAt } from '../auth/sign-in'
import { SESSION_IDLE_MS, SESSION_LIFETIME_MS } from '../tenant/session-store'

const SECOND = 1000
const COOKIE_ATTRIBUTES = `; Max-Age=${SESSION_LIFETIME_MS / SECOND}; Path=/; HttpOnly; Secure; SameSite=Strict`

const newAdmin = async () => {
  const tenant = await newTenant()
  return { ...tenant, admin: recording(tenant.client) }
}

const auditOf = async (admin: Client, action: string) =>
  ((await (await admin(`/v1/audit?action=${action}`)).json()) as { items: AuditEntry[] }).items

const secretOf = (cookie: string) => cookie.split('.')[1] ?? ''

describe('sign-in', () => {
  it('signs a user in with a session cookie that identifies them on the next request', async () => {
    const { admin, tenant_id } = await newAdmin()
    const email = uniqueEmail('grace')
    const user = await createUser(admin, { email: `  ${email.toUpperCase()} `, role: 'operator' })
    expect(user.email).toBe(email)

    const response = await signIn(email.toUpperCase(), user.password)
    expect(response.status).toBe(200)
    const { generated_password: _, password: __, ...shown } = user
    const body = (await response.json()) as SignedIn
    expect(body.user).toEqual(shown)
    expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(SESSION_LIFETIME_MS - 60 * SECOND)
    expect(Date.parse(body.expires_at) - Date.now()).toBeLessThanOrEqual(SESSION_LIFETIME_MS)
    const setCookie = response.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(new RegExp(`^sitewire_session=${tenant_id}\\.[A-Za-z0-9_-]{43}`))
    expect(setCookie.slice(setCookie.indexOf(';'))).toBe(COOKIE_ATTRIBUTES)

    const me = await sessionClient(sessionCookieOf(response))('/v1/auth/me')
    expect(me.status).toBe(200)
    expect(await me.json()).toEqual({
      tenant_id,
      actor: { type: 'user', id: user.id },
      user: shown,
      role: 'operator',
      site_roles: {},
      scopes: ['api', 'agent-enrol', 'webhook'],
      site_id: null,
    } satisfies Me)
  })

  it('keeps only the SHA-256 of the session secret', async () => {
    const { admin, object } = await newAdmin()
    const user = await createUser(admin)
    const { cookie } = await signedIn(user.email, user.password)
    const secret = secretOf(cookie)
    const rows = await runInDurableObject(object, (_instance, state) =>
      state.storage.sql.exec('SELECT * FROM sessions').toArray(),
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]?.hash).toBe(await sha256Hex(secret))
    expect(JSON.stringify(rows)).not.toContain(secret)
  })

  it('signs in the first admin, created with the tenant', async () => {
    const tenant = await newTenant()
    expect(tenant.admin_email).toBe(`admin@${tenant.domain}`)
    expect(tenant.admin_password).toMatch(/^[A-Za-z0-9_-]{20}$/)
    const { call } = await signedIn(tenant.admin_email, tenant.admin_password)
    expect(await (await call('/v1/auth/me')).json()).toMatchObject({
      user: { email: tenant.admin_email, name: 'Admin', status: 'active' },
      role: 'admin',
    })
  })

  it('answers a wrong password with 401, and audits every attempt with the email, never the password', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const address = uniqueAddress()
    const wrong = await signIn(user.email, newPassword(), { 'cf-connecting-ip': address })
    await expectError(wrong, 401, 'invalid_credentials')
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect((await signIn(user.email, user.password, { 'cf-connecting-ip': address })).status).toBe(200)

    const records = await auditOf(admin, 'auth.sign_in')
    expect(
      records.map(({ actor, object, address, status, details }) => ({
        actor,
        object,
        address,
        status,
        details,
      })),
    ).toEqual([
      {
        actor: { type: 'user', id: user.id },
        object: { type: 'user', id: user.id },
        address,
        status: 200,
        details: { email: user.email, session_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/) },
      },
      {
        actor: { type: 'anonymous', id: null },
        object: { type: 'user', id: user.id },
        address,
        status: 401,
        details: { email: user.email, reason: 'wrong_password' },
      },
    ])
  })

  it('gives an email nobody has exactly the answer a wrong password gets', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const unknown = await signIn(uniqueEmail('nobody'), newPassword())
    const wrong = await signIn(user.email, newPassword())
    const unknownBody = await expectError(unknown, 401, 'invalid_credentials')
    expect(await expectError(wrong, 401, 'invalid_credentials')).toEqual(unknownBody)
  })

  it('locks an account after five failures, with Retry-After, and lets it in once the lock has passed', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    for (let i = 0; i < 5; i++)
      await expectError(await signIn(user.email, newPassword()), 401, 'invalid_credentials')

    const sixth = await signIn(user.email, user.password)
    const refusal = await expectError(sixth, 429, 'too_many_attempts')
    const retryAfter = Number(sixth.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(25)
    expect(retryAfter).toBeLessThanOrEqual(30)
    expect(refusal.error.message).toContain(`try again in ${retryAfter} s`)
    expect(refusal.error.details).toEqual({ retry_after: retryAfter, retry_at: expect.any(String) })
    expect(sixth.headers.get('set-cookie')).toBeNull()
    expect((await auditOf(admin, 'auth.sign_in'))[0]).toMatchObject({
      status: 429,
      details: { email: user.email, reason: 'locked' },
    })

    const attempt = { email: user.email, password: user.password, address: null }
    const stillLocked = await signInAt(env, attempt, Date.now() + 20 * SECOND)
    expect(stillLocked.reply.status).toBe(429)
    const later = await signInAt(env, attempt, Date.now() + 31 * SECOND)
    expect(later.reply.status).toBe(200)
    expect(later.token).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}\.[A-Za-z0-9_-]{43}$/)
    // The success cleared the account's count: a new failure is a plain 401 again.
    await expectError(await signIn(user.email, newPassword()), 401, 'invalid_credentials')
  })

  it('lets no more than five guesses through when they arrive all at once', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const guesses = await Promise.all(Array.from({ length: 12 }, () => signIn(user.email, newPassword())))
    const statuses = guesses.map((response) => response.status)
    expect(statuses.filter((status) => status === 401)).toHaveLength(5)
    expect(statuses.filter((status) => status === 429)).toHaveLength(7)
    expect((await signIn(user.email, user.password)).status).toBe(429)
  })

  it('locks an address trying many accounts, whether or not they exist, and only that address', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const address = uniqueAddress()
    for (let i = 0; i < 5; i++) {
      const response = await signIn(uniqueEmail('guess'), newPassword(), { 'cf-connecting-ip': address })
      await expectError(response, 401, 'invalid_credentials')
    }
    const locked = await signIn(user.email, user.password, { 'cf-connecting-ip': address })
    await expectError(locked, 429, 'too_many_attempts')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    const elsewhere = await signIn(user.email, user.password, { 'cf-connecting-ip': uniqueAddress() })
    expect(elsewhere.status).toBe(200)
  })

  it('refuses sign-in from another origin, and bodies that are not a sign-in', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    await expectError(
      await signIn(user.email, user.password, { origin: 'https://elsewhere.example' }),
      403,
      'cross_origin',
    )
    expect((await signIn(user.email, user.password, { origin: BASE })).status).toBe(200)
    const send = recording(client(undefined))
    const post = (body: string, type = 'application/json') =>
      send('/v1/auth/sign-in', { method: 'POST', body, headers: { 'content-type': type } })
    await expectError(await post('{"email":'), 400, 'malformed_json')
    await expectError(await post(JSON.stringify({ email: user.email })), 400, 'validation_failed')
    await expectError(await post(JSON.stringify({ email: 7, password: 'x' })), 400, 'validation_failed')
    await expectError(
      await post(JSON.stringify({ email: 'not an email', password: 'x' })),
      400,
      'validation_failed',
    )
    await expectError(
      await post(JSON.stringify({ email: user.email, password: 'x'.repeat(257) })),
      400,
      'validation_failed',
    )
    await expectError(
      await post(JSON.stringify({ email: user.email, password: user.password, remember: true })),
      400,
      'validation_failed',
    )
    await expectError(
      await post('email=a', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    )
  })
})

describe('sessions', () => {
  it('signs out: the cookie is cleared and the session refused from then on', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const { call } = await signedIn(user.email, user.password)
    const other = await signedIn(user.email, user.password)
    const out = await call('/v1/auth/sign-out', { method: 'POST' })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toBe(
      'sitewire_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict',
    )
    await expectError(await call('/v1/auth/me'), 401, 'invalid_session')
    expect((await other.call('/v1/auth/me')).status).toBe(200)
    expect((await auditOf(admin, 'auth.sign_out'))[0]).toMatchObject({
      actor: { type: 'user', id: user.id },
      object: { type: 'session' },
      status: 204,
    })
  })

  it('ends sessions 2 h after the last request, and 12 h after sign-in however busy', async () => {
    const { admin, object } = await newAdmin()
    const user = await createUser(admin)
    const attempt = { email: user.email, password: user.password, address: null }
    const t0 = Date.now()
    const idle = await signInAt(env, attempt, t0)
    const busy = await signInAt(env, attempt, t0)
    const idleHash = await sha256Hex(secretOf(idle.token ?? ''))
    const busyHash = await sha256Hex(secretOf(busy.token ?? ''))

    expect(await object.authenticateSession(idleHash, t0 + SESSION_IDLE_MS - SECOND)).not.toBeNull()
    expect(await object.authenticateSession(idleHash, t0 + 2 * SESSION_IDLE_MS)).toBeNull()

    let at = t0
    while (at + SESSION_IDLE_MS - 60 * SECOND < t0 + SESSION_LIFETIME_MS) {
      at += SESSION_IDLE_MS - 60 * SECOND
      expect(
        await object.authenticateSession(busyHash, Math.min(at, t0 + SESSION_LIFETIME_MS - 1)),
      ).not.toBeNull()
    }
    expect(await object.authenticateSession(busyHash, t0 + SESSION_LIFETIME_MS)).toBeNull()
  })

  it('answers 401 once a session has expired or sat idle', async () => {
    const { admin, object } = await newAdmin()
    const user = await createUser(admin)
    const idle = await signedIn(user.email, user.password)
    const old = await signedIn(user.email, user.password)
    const hashes = [await sha256Hex(secretOf(idle.cookie)), await sha256Hex(secretOf(old.cookie))]
    await runInDurableObject(object, (_instance, state) => {
      const now = Date.now()
      state.storage.sql.exec(
        'UPDATE sessions SET last_seen_at = ? WHERE hash = ?',
        now - SESSION_IDLE_MS,
        hashes[0],
      )
      state.storage.sql.exec('UPDATE sessions SET expires_at = ? WHERE hash = ?', now - 1, hashes[1])
    })
    await expectError(await idle.call('/v1/auth/me'), 401, 'invalid_session')
    await expectError(await old.call('/v1/auth/me'), 401, 'invalid_session')
    await expectError(
      await sessionClient(`sitewire_session=${'0'.repeat(26)}.${'a'.repeat(43)}`)('/v1/auth/me'),
      401,
      'invalid_session',
    )
    await expectError(await sessionClient('sitewire_session=garbage')('/v1/auth/me'), 401, 'invalid_session')
  })

  it('refuses cookie-carried writes and sockets from another origin or none, and allows them from ours', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin, { role: 'admin' })
    const { cookie, call } = await signedIn(user.email, user.password)
    const foreign = await call('/v1/teams', {
      method: 'POST',
      json: { name: 'from elsewhere' },
      headers: { origin: 'https://elsewhere.example' },
    })
    await expectError(foreign, 403, 'cross_origin')
    await expectError(
      await call('/v1/teams', { method: 'POST', json: { name: 'null origin' }, headers: { origin: 'null' } }),
      403,
      'cross_origin',
    )
    expect((await call('/v1/teams', { method: 'POST', json: { name: 'ours' } })).status).toBe(201)
    const noOrigin = recording(client(undefined))('/v1/teams', {
      method: 'POST',
      json: { name: 'no origin' },
      headers: { cookie },
    })
    await expectError(await noOrigin, 403, 'cross_origin')
    const fetchMetadata = recording(client(undefined))('/v1/teams', {
      method: 'POST',
      json: { name: 'scripted' },
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    })
    expect((await fetchMetadata).status).toBe(201)
    await expectError(
      await recording(client(undefined))('/v1/teams', {
        method: 'POST',
        json: { name: 'sibling' },
        headers: { cookie, 'sec-fetch-site': 'same-site' },
      }),
      403,
      'cross_origin',
    )
    expect((await call('/v1/teams', { headers: { origin: 'https://elsewhere.example' } })).status).toBe(200)
    const teams = (await (await admin('/v1/teams')).json()) as { items: { name: string }[] }
    expect(teams.items.map((team) => team.name).sort()).toEqual(['ours', 'scripted'])
    const site = await createSite(admin)
    const stream = (origin: string) =>
      call(`/v1/sites/${site.id}/events/stream`, { headers: { upgrade: 'websocket', origin } })
    await expectError(await stream('https://elsewhere.example'), 403, 'cross_origin')
    const socket = await stream(BASE)
    expect(socket.status).toBe(101)
    socket.webSocket?.accept()
    socket.webSocket?.close()
    // An API key carries no ambient authority, so its Origin doesn't matter.
    const keyed = await admin('/v1/teams', {
      method: 'POST',
      json: { name: 'by key' },
      headers: { origin: 'https://elsewhere.example' },
    })
    expect(keyed.status).toBe(201)
  })

  it('uses the Authorization header over the cookie when both come', async () => {
    const { admin, api_key, key_id } = await newAdmin()
    const user = await createUser(admin)
    const { cookie } = await signedIn(user.email, user.password)
    const both = await recording(client(api_key))('/v1/auth/me', { headers: { cookie } })
    expect(await both.json()).toMatchObject({ actor: { type: 'key', id: key_id }, user: null, role: 'admin' })
    const badKey = await recording(client('sw_nope'))('/v1/auth/me', { headers: { cookie } })
    await expectError(badKey, 401, 'invalid_credentials')
  })

  it('describes an API key caller too, and keeps sign-out and password changes to sessions', async () => {
    const { admin, tenant_id, key_id } = await newAdmin()
    expect(await (await admin('/v1/auth/me')).json()).toEqual({
      tenant_id,
      actor: { type: 'key', id: key_id },
      user: null,
      role: 'admin',
      site_roles: {},
      scopes: ['api'],
      site_id: null,
    } satisfies Me)
    await expectError(await admin('/v1/auth/sign-out', { method: 'POST' }), 403, 'session_required')
    await expectError(
      await admin('/v1/auth/password', {
        method: 'POST',
        json: { current_password: newPassword(), new_password: newPassword() },
      }),
      403,
      'session_required',
    )
    await expectError(await recording(client(undefined))('/v1/auth/me'), 401, 'unauthenticated')
  })
})

describe('password change', () => {
  it('needs the current password, then ends the other sessions and keeps this one', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const here = await signedIn(user.email, user.password)
    const there = await signedIn(user.email, user.password)
    const next = newPassword()

    const wrong = await here.call('/v1/auth/password', {
      method: 'POST',
      json: { current_password: newPassword(), new_password: next },
    })
    await expectError(wrong, 403, 'wrong_password')
    await expectError(
      await here.call('/v1/auth/password', {
        method: 'POST',
        json: { current_password: user.password, new_password: 'short' },
      }),
      400,
      'validation_failed',
    )
    expect((await there.call('/v1/auth/me')).status).toBe(200)

    const changed = await here.call('/v1/auth/password', {
      method: 'POST',
      json: { current_password: user.password, new_password: next },
    })
    expect(changed.status).toBe(200)
    const body = (await changed.json()) as User
    expect(Date.parse(body.password_changed_at)).toBeGreaterThan(Date.parse(user.password_changed_at))

    expect((await here.call('/v1/auth/me')).status).toBe(200)
    await expectError(await there.call('/v1/auth/me'), 401, 'invalid_session')
    await expectError(await signIn(user.email, user.password), 401, 'invalid_credentials')
    expect((await signIn(user.email, next)).status).toBe(200)

    const records = await auditOf(admin, 'auth.password_change')
    expect(records.map((r) => [r.actor, r.status, r.details])).toEqual([
      [{ type: 'user', id: user.id }, 200, { sessions_revoked: 1 }],
      [{ type: 'user', id: user.id }, 403, { code: 'wrong_password' }],
    ])
  })

  it('counts wrong current passwords against the account lock', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const { call } = await signedIn(user.email, user.password)
    const change = (current: string) =>
      call('/v1/auth/password', {
        method: 'POST',
        json: { current_password: current, new_password: newPassword() },
      })
    for (let i = 0; i < 5; i++) await expectError(await change(newPassword()), 403, 'wrong_password')
    const locked = await change(user.password)
    await expectError(locked, 429, 'too_many_attempts')
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await signIn(user.email, user.password)).status).toBe(429)
  })
})

describe('secrets', () => {
  it('never answers with a password hash or a password a client chose', () => {
    expectNoSecretsAnswered()
  })

  it('never stores a password in the audit trail', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    await signIn(user.email, newPassword())
    const { call } = await signedIn(user.email, user.password)
    await call('/v1/auth/password', {
      method: 'POST',
      json: { current_password: user.password, new_password: newPassword() },
    })
    const trail = await (await admin('/v1/audit?limit=1000')).text()
    expect(JSON.parse(trail).items.length).toBeGreaterThanOrEqual(4)
    expect(trail).not.toMatch(CHOSEN_PASSWORD)
    expect(trail).not.toMatch(/password_hash|pbkdf2/)
    expect(answers.length).toBeGreaterThan(0)
  })
})
