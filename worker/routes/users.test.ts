import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { AuditEntry, Grant } from '../../schema/api/access'
import type { CreatedUser, User } from '../../schema/api/users'
import {
  answers,
  createUser,
  expectNoSecretsAnswered,
  newPassword,
  recording,
  signedIn,
  signIn,
  uniqueEmail,
} from '../../test/people-support'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

const newAdmin = async () => {
  const tenant = await newTenant()
  return { ...tenant, admin: recording(tenant.client) }
}

const usersOf = async (admin: Client) =>
  ((await (await admin('/v1/users?limit=1000')).json()) as { items: User[] }).items

describe('users', () => {
  it('creates a user with a password, and never shows the password or its hash', async () => {
    const { admin } = await newAdmin()
    const password = newPassword()
    const email = uniqueEmail('ada')
    const response = await admin('/v1/users', {
      method: 'POST',
      json: { email: ` ${email.toUpperCase()}  `, name: '  Ada Lovelace ', password },
    })
    expect(response.status).toBe(201)
    const created = (await response.json()) as CreatedUser
    expect(created).toEqual({
      id: expect.stringMatching(ULID),
      email,
      name: 'Ada Lovelace',
      status: 'active',
      created_at: expect.any(String),
      password_changed_at: created.created_at,
      disabled_at: null,
      generated_password: null,
    })
    const { generated_password: _, ...user } = created
    expect(await (await admin(`/v1/users/${created.id}`)).json()).toEqual(user)
    expect(await usersOf(admin)).toContainEqual(user)
    expect((await signIn(email, password)).status).toBe(200)
  })

  it('generates a password when none is given, shows it this once, and it signs in', async () => {
    const { admin } = await newAdmin()
    const email = uniqueEmail('gen')
    const response = await admin('/v1/users', { method: 'POST', json: { email, name: 'Gen' } })
    const created = (await response.json()) as CreatedUser
    expect(created.generated_password).toMatch(/^[A-Za-z0-9_-]{20}$/)
    const generated = created.generated_password ?? ''
    expect((await signIn(email, generated)).status).toBe(200)
    expect(answers.filter((body) => body.includes(generated))).toHaveLength(1)
    expect(await (await admin(`/v1/users/${created.id}`)).text()).not.toContain(generated)
  })

  it('grants the initial role on the tenant', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin, { role: 'operator' })
    const grants = (await (await admin(`/v1/grants?subject_id=${user.id}`)).json()) as { items: Grant[] }
    expect(grants.items).toEqual([
      {
        id: expect.stringMatching(ULID),
        subject: { type: 'user', id: user.id },
        role: 'operator',
        site_id: null,
        created_at: user.created_at,
      },
    ])
    const bare = await createUser(admin)
    expect(await (await admin(`/v1/grants?subject_id=${bare.id}`)).json()).toEqual({
      items: [],
      next_cursor: null,
    })
  })

  it('keeps each email to one user across the platform, with 409 email_taken', async () => {
    const { admin } = await newAdmin()
    const other = await newAdmin()
    const user = await createUser(admin)
    const before = await usersOf(admin)
    const again = await admin('/v1/users', {
      method: 'POST',
      json: { email: user.email.toUpperCase(), name: 'Twin', password: newPassword() },
    })
    await expectError(again, 409, 'email_taken')
    const elsewhere = await other.admin('/v1/users', {
      method: 'POST',
      json: { email: user.email, name: 'Twin', password: newPassword() },
    })
    await expectError(elsewhere, 409, 'email_taken')
    expect(await usersOf(admin)).toEqual(before)
    expect((await usersOf(other.admin)).map((u) => u.email)).not.toContain(user.email)

    const contested = uniqueEmail('race')
    const race = await Promise.all(
      [admin, other.admin].map((call) =>
        call('/v1/users', {
          method: 'POST',
          json: { email: contested, name: 'Racer', password: newPassword() },
        }),
      ),
    )
    expect(race.map((r) => r.status).sort()).toEqual([201, 409])
    const owners = [await usersOf(admin), await usersOf(other.admin)].map((users) =>
      users.some((u) => u.email === contested),
    )
    expect(owners.filter(Boolean)).toHaveLength(1)
  })

  it('gives back an email whose user was not created, so another tenant can have it', async () => {
    const { admin } = await newAdmin()
    const other = await newAdmin()
    const email = uniqueEmail('returned')
    const send = (name: string) =>
      admin('/v1/users', {
        method: 'POST',
        json: { email, name, password: newPassword() },
        headers: { 'idempotency-key': 'create-user-1' },
      })
    const first = uniqueEmail('first')
    expect(
      (
        await admin('/v1/users', {
          method: 'POST',
          json: { email: first, name: 'First', password: newPassword() },
          headers: { 'idempotency-key': 'create-user-1' },
        })
      ).status,
    ).toBe(201)
    await expectError(await send('Reused key'), 422, 'idempotency_key_reused')
    const taken = await other.admin('/v1/users', {
      method: 'POST',
      json: { email, name: 'Elsewhere', password: newPassword() },
    })
    expect(taken.status).toBe(201)
  })

  it('lists users newest first, a page at a time', async () => {
    const { admin, admin_email } = await newAdmin()
    const a = await createUser(admin, { name: 'a' })
    const b = await createUser(admin, { name: 'b' })
    const first = (await (await admin('/v1/users?limit=2')).json()) as { items: User[]; next_cursor: string }
    expect(first.items.map((u) => u.id)).toEqual([b.id, a.id])
    const second = (await (await admin(`/v1/users?limit=2&cursor=${first.next_cursor}`)).json()) as {
      items: User[]
      next_cursor: string | null
    }
    expect(second).toEqual({ items: [expect.objectContaining({ email: admin_email })], next_cursor: null })
    await expectError(await admin('/v1/users?limit=0'), 400, 'validation_failed')
    await expectError(await admin('/v1/users?cursor=nope'), 400, 'validation_failed')
  })

  it("answers 404 for an unknown user and for another tenant's, 400 for a malformed id", async () => {
    const { admin } = await newAdmin()
    const other = await newAdmin()
    const stranger = await createUser(other.admin)
    await expectError(await admin(`/v1/users/${stranger.id}`), 404, 'not_found')
    await expectError(await admin('/v1/users/01ARZ3NDEKTSV4RRFFQ69G5FAV'), 404, 'not_found')
    await expectError(await admin('/v1/users/nope'), 400, 'validation_failed')
    const patched = await admin(`/v1/users/${stranger.id}`, { method: 'PATCH', json: { name: 'Mine now' } })
    await expectError(patched, 404, 'not_found')
    expect(await (await other.admin(`/v1/users/${stranger.id}`)).json()).toMatchObject({ name: 'Ada' })
  })

  it('renames a user', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const renamed = await admin(`/v1/users/${user.id}`, { method: 'PATCH', json: { name: ' Ada King ' } })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toMatchObject({ id: user.id, name: 'Ada King', status: 'active' })
    const [record] = ((await (await admin('/v1/audit?action=user.update')).json()) as { items: AuditEntry[] })
      .items
    expect(record).toMatchObject({
      object: { type: 'user', id: user.id },
      status: 200,
      details: { name: 'Ada King' },
    })
  })

  it('stops the API keys a user made while that user is disabled', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin, { role: 'admin' })
    const { call } = await signedIn(user.email, user.password)
    const made = await call('/v1/api-keys', { method: 'POST', json: { name: 'mine', role: 'viewer' } })
    expect(made.status).toBe(201)
    const key = (await made.json()) as { secret: string; owner: unknown }
    expect(key.owner).toEqual({ type: 'user', id: user.id })
    const asKey = client(key.secret)
    expect((await asKey('/v1/sites')).status).toBe(200)
    await admin(`/v1/users/${user.id}`, { method: 'PATCH', json: { disabled: true } })
    await expectError(await asKey('/v1/sites'), 401, 'invalid_credentials')
    await admin(`/v1/users/${user.id}`, { method: 'PATCH', json: { disabled: false } })
    expect((await asKey('/v1/sites')).status).toBe(200)
  })

  it('disables a user, ending their sessions at once, and enables them again', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin, { role: 'viewer' })
    const { call } = await signedIn(user.email, user.password)
    expect((await call('/v1/sites')).status).toBe(200)

    const disabled = await admin(`/v1/users/${user.id}`, { method: 'PATCH', json: { disabled: true } })
    expect(disabled.status).toBe(200)
    expect(await disabled.json()).toMatchObject({ status: 'disabled', disabled_at: expect.any(String) })
    await expectError(await call('/v1/sites'), 401, 'invalid_session')
    await expectError(await signIn(user.email, user.password), 401, 'invalid_credentials')

    const enabled = await admin(`/v1/users/${user.id}`, { method: 'PATCH', json: { disabled: false } })
    expect(await enabled.json()).toMatchObject({ status: 'active', disabled_at: null })
    await expectError(await call('/v1/sites'), 401, 'invalid_session')
    expect((await signIn(user.email, user.password)).status).toBe(200)

    const records = ((await (await admin('/v1/audit?action=user.update')).json()) as { items: AuditEntry[] })
      .items
    expect(records.map((r) => r.details)).toEqual([
      { disabled: false },
      { disabled: true, sessions_revoked: 1 },
    ])
    const signIns = ((await (await admin('/v1/audit?action=auth.sign_in')).json()) as { items: AuditEntry[] })
      .items
    expect(signIns.map((r) => [r.status, r.details?.reason])).toEqual([
      [200, undefined],
      [401, 'disabled'],
      [200, undefined],
    ])
  })

  it('does not let an admin disable their own account', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin, { role: 'admin' })
    const { call } = await signedIn(user.email, user.password)
    await expectError(
      await call(`/v1/users/${user.id}`, { method: 'PATCH', json: { disabled: true } }),
      422,
      'cannot_disable_self',
    )
    expect((await call('/v1/auth/me')).status).toBe(200)
  })

  it('refuses bad input and leaves the users as they were', async () => {
    const { admin } = await newAdmin()
    const user = await createUser(admin)
    const before = await usersOf(admin)
    const post = (json: unknown) => admin('/v1/users', { method: 'POST', json })
    const valid = { email: uniqueEmail('bad'), name: 'Bad', password: newPassword() }
    await expectError(
      await admin('/v1/users', {
        method: 'POST',
        body: '{"email":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'malformed_json',
    )
    await expectError(
      await admin('/v1/users', {
        method: 'POST',
        body: 'email=x',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'unsupported_media_type',
    )
    for (const body of [
      { ...valid, email: 42 },
      { ...valid, email: 'not-an-email' },
      { ...valid, email: `${'a'.repeat(250)}@example.test` },
      { ...valid, name: '' },
      { ...valid, name: 'x'.repeat(101) },
      { ...valid, password: 'too short' },
      { ...valid, password: 'x'.repeat(257) },
      { ...valid, role: 'owner' },
      { ...valid, admin: true },
      { email: valid.email },
    ])
      await expectError(await post(body), 400, 'validation_failed')
    const patch = (json: unknown) => admin(`/v1/users/${user.id}`, { method: 'PATCH', json })
    for (const body of [{}, { name: 'x'.repeat(101) }, { disabled: 'yes' }, { email: uniqueEmail() }])
      await expectError(await patch(body), 400, 'validation_failed')
    expect(await usersOf(admin)).toEqual(before)
    expect((await signIn(valid.email, valid.password)).status).toBe(401)
  })

  it('is for admins: a viewer or operator, by key or by session, gets 403', async () => {
    const tenant = await newAdmin()
    const operator = recording(client(await tenant.keyFor('operator')))
    const viewer = await createUser(tenant.admin, { role: 'viewer' })
    const { call } = await signedIn(viewer.email, viewer.password)
    for (const caller of [operator, call]) {
      await expectError(await caller('/v1/users'), 403, 'forbidden')
      await expectError(await caller(`/v1/users/${viewer.id}`), 403, 'forbidden')
      await expectError(
        await caller('/v1/users', { method: 'POST', json: { email: uniqueEmail(), name: 'x' } }),
        403,
        'forbidden',
      )
      await expectError(
        await caller(`/v1/users/${viewer.id}`, { method: 'PATCH', json: { name: 'x' } }),
        403,
        'forbidden',
      )
    }
    expect((await usersOf(tenant.admin)).length).toBe(2)
  })

  it('audits creation with the email and role, never the password', async () => {
    const { admin, object } = await newAdmin()
    const user = await createUser(admin, { role: 'viewer' })
    const [record] = ((await (await admin('/v1/audit?action=user.create')).json()) as { items: AuditEntry[] })
      .items
    expect(record).toMatchObject({
      actor: { type: 'key' },
      object: { type: 'user', id: user.id },
      status: 201,
      details: { email: user.email, name: 'Ada', role: 'viewer' },
    })
    const stored = await runInDurableObject(object, (_instance, state) =>
      JSON.stringify(state.storage.sql.exec('SELECT * FROM audit').toArray()),
    )
    expect(stored).not.toContain(user.password)
    expect(stored).not.toContain('pbkdf2')
  })
})

describe('users and sites', () => {
  it('lets a viewer read but not write', async () => {
    const tenant = await newAdmin()
    const site = await createSite(tenant.client)
    const viewer = await createUser(tenant.admin, { role: 'viewer' })
    const { call } = await signedIn(viewer.email, viewer.password)
    expect((await call(`/v1/sites/${site.id}`)).status).toBe(200)
    expect((await call('/v1/sites')).status).toBe(200)
    await expectError(await call('/v1/sites', { method: 'POST', json: { name: 'nope' } }), 403, 'forbidden')
    await expectError(
      await call(`/v1/sites/${site.id}`, { method: 'PATCH', json: { description: 'nope' } }),
      403,
      'forbidden',
    )
    expect(await (await tenant.client(`/v1/sites/${site.id}`)).json()).toMatchObject({ description: '' })
  })

  it('shows a user with a grant on one site that site only', async () => {
    const tenant = await newAdmin()
    const mine = await createSite(tenant.client, 'mine')
    const other = await createSite(tenant.client, 'other')
    const user = await createUser(tenant.admin)
    const grant = await tenant.admin('/v1/grants', {
      method: 'POST',
      json: { subject: { type: 'user', id: user.id }, role: 'operator', site_id: mine.id },
    })
    expect(grant.status).toBe(201)
    const { call } = await signedIn(user.email, user.password)
    expect(await (await call('/v1/auth/me')).json()).toMatchObject({
      role: null,
      site_roles: { [mine.id]: 'operator' },
    })
    expect((await call(`/v1/sites/${mine.id}`)).status).toBe(200)
    await expectError(await call(`/v1/sites/${other.id}`), 404, 'not_found')
    await expectError(await call(`/v1/sites/${other.id}/events`), 404, 'not_found')
    // Once the admin sees both sites projected, the user must still list only theirs.
    await eventually(async () => {
      const page = (await (await tenant.admin('/v1/sites')).json()) as { items: unknown[] }
      return page.items.length === 2 ? page : undefined
    })
    const listed = (await (await call('/v1/sites')).json()) as { items: { id: string }[] }
    expect(listed.items.map((s) => s.id)).toEqual([mine.id])
  })
})

describe('user secrets', () => {
  it('never answers with a password hash or a password a client chose', () => {
    expectNoSecretsAnswered()
  })
})
