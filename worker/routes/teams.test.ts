import { describe, expect, it } from 'vitest'
import type { AuditEntry, Grant } from '../../schema/api/access'
import type { Team } from '../../schema/api/teams'
import { createUser, expectNoSecretsAnswered, recording, signedIn } from '../../test/people-support'
import { type Client, client, expectError, newTenant } from '../../test/worker-support'

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

const newAdmin = async () => {
  const tenant = await newTenant()
  return { ...tenant, admin: recording(tenant.client) }
}

const createTeam = async (admin: Client, name = 'SRE') => {
  const response = await admin('/v1/teams', { method: 'POST', json: { name } })
  expect(response.status).toBe(201)
  return (await response.json()) as Team
}

const teamsOf = async (admin: Client) =>
  ((await (await admin('/v1/teams?limit=1000')).json()) as { items: Team[] }).items

const grantToTeam = async (admin: Client, teamId: string, role: string) => {
  const response = await admin('/v1/grants', {
    method: 'POST',
    json: { subject: { type: 'team', id: teamId }, role },
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Grant
}

describe('teams', () => {
  it('creates, reads, lists, renames and deletes a team', async () => {
    const { admin } = await newAdmin()
    const created = await createTeam(admin, '  Platform ')
    expect(created).toEqual({
      id: expect.stringMatching(ULID),
      name: 'Platform',
      member_ids: [],
      created_at: expect.any(String),
    })
    expect(await (await admin(`/v1/teams/${created.id}`)).json()).toEqual(created)

    const second = await createTeam(admin, 'Network')
    const page = (await (await admin('/v1/teams?limit=1')).json()) as { items: Team[]; next_cursor: string }
    expect(page.items).toEqual([second])
    const rest = await (await admin(`/v1/teams?limit=1&cursor=${page.next_cursor}`)).json()
    expect(rest).toEqual({ items: [created], next_cursor: null })

    const renamed = await admin(`/v1/teams/${created.id}`, {
      method: 'PATCH',
      json: { name: 'Platform team' },
    })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toEqual({ ...created, name: 'Platform team' })
    const same = await admin(`/v1/teams/${created.id}`, { method: 'PATCH', json: { name: 'Platform team' } })
    expect(same.status).toBe(200)

    const deleted = await admin(`/v1/teams/${created.id}`, { method: 'DELETE' })
    expect(deleted.status).toBe(200)
    expect(await deleted.json()).toEqual({ ...created, name: 'Platform team' })
    await expectError(await admin(`/v1/teams/${created.id}`), 404, 'not_found')
    expect(await teamsOf(admin)).toEqual([second])

    const trail = (
      (await (await admin(`/v1/audit?object_id=${created.id}`)).json()) as { items: AuditEntry[] }
    ).items
    expect(trail.map((r) => [r.action, r.status, r.details])).toEqual([
      ['team.delete', 200, { name: 'Platform team', member_ids: [], grants_revoked: 0 }],
      ['team.update', 200, { name: 'Platform team', was: 'Platform team' }],
      ['team.update', 200, { name: 'Platform team', was: 'Platform' }],
      ['team.create', 201, { name: 'Platform' }],
    ])
  })

  it('keeps team names unique with 409', async () => {
    const { admin } = await newAdmin()
    const a = await createTeam(admin, 'A')
    await createTeam(admin, 'B')
    await expectError(
      await admin('/v1/teams', { method: 'POST', json: { name: 'A' } }),
      409,
      'team_name_taken',
    )
    await expectError(
      await admin(`/v1/teams/${a.id}`, { method: 'PATCH', json: { name: 'B' } }),
      409,
      'team_name_taken',
    )
    expect((await teamsOf(admin)).map((t) => t.name)).toEqual(['B', 'A'])
  })

  it('adds and removes members', async () => {
    const { admin } = await newAdmin()
    const team = await createTeam(admin)
    const [ada, bob] = [await createUser(admin), await createUser(admin, { name: 'Bob' })]
    const added = await admin(`/v1/teams/${team.id}/members/${ada.id}`, { method: 'PUT' })
    expect(added.status).toBe(200)
    expect(await added.json()).toMatchObject({ member_ids: [ada.id] })
    const again = await admin(`/v1/teams/${team.id}/members/${ada.id}`, { method: 'PUT' })
    expect(await again.json()).toMatchObject({ member_ids: [ada.id] })
    await admin(`/v1/teams/${team.id}/members/${bob.id}`, { method: 'PUT' })
    expect((await (await admin(`/v1/teams/${team.id}`)).json()) as Team).toMatchObject({
      member_ids: [ada.id, bob.id],
    })
    expect((await teamsOf(admin))[0]?.member_ids).toEqual([ada.id, bob.id])

    const removed = await admin(`/v1/teams/${team.id}/members/${ada.id}`, { method: 'DELETE' })
    expect(await removed.json()).toMatchObject({ member_ids: [bob.id] })
    await expectError(
      await admin(`/v1/teams/${team.id}/members/${ada.id}`, { method: 'DELETE' }),
      404,
      'not_found',
    )

    const trail = ((await (await admin(`/v1/audit?object_id=${team.id}`)).json()) as { items: AuditEntry[] })
      .items
    expect(trail.map((r) => [r.action, r.status, r.details])).toEqual([
      ['team.member_remove', 200, { user_id: ada.id }],
      ['team.member_add', 200, { user_id: bob.id }],
      ['team.member_add', 200, { user_id: ada.id }],
      ['team.member_add', 200, { user_id: ada.id }],
      ['team.create', 201, { name: 'SRE' }],
    ])
  })

  it("answers 404 for another tenant's teams and users, and changes nothing", async () => {
    const { admin } = await newAdmin()
    const other = await newAdmin()
    const mine = await createTeam(admin)
    const theirs = await createTeam(other.admin, 'Theirs')
    const myUser = await createUser(admin)
    const theirUser = await createUser(other.admin)

    await expectError(await admin(`/v1/teams/${theirs.id}`), 404, 'not_found')
    await expectError(
      await admin(`/v1/teams/${theirs.id}`, { method: 'PATCH', json: { name: 'Mine' } }),
      404,
      'not_found',
    )
    await expectError(await admin(`/v1/teams/${theirs.id}`, { method: 'DELETE' }), 404, 'not_found')
    await expectError(
      await admin(`/v1/teams/${theirs.id}/members/${myUser.id}`, { method: 'PUT' }),
      404,
      'not_found',
    )
    await expectError(
      await admin(`/v1/teams/${mine.id}/members/${theirUser.id}`, { method: 'PUT' }),
      404,
      'not_found',
    )
    await expectError(
      await admin(`/v1/teams/${mine.id}/members/01ARZ3NDEKTSV4RRFFQ69G5FAV`, { method: 'PUT' }),
      404,
      'not_found',
    )
    expect(await teamsOf(admin)).toEqual([mine])
    expect(await teamsOf(other.admin)).toEqual([theirs])
  })

  it('refuses bad input and leaves the teams as they were', async () => {
    const { admin } = await newAdmin()
    const team = await createTeam(admin)
    const json = (method: string, path: string, body: string) =>
      admin(path, { method, body, headers: { 'content-type': 'application/json' } })
    await expectError(await json('POST', '/v1/teams', '{"name":'), 400, 'malformed_json')
    await expectError(await json('PATCH', `/v1/teams/${team.id}`, '['), 400, 'malformed_json')
    for (const body of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 7 },
      { name: 'x'.repeat(101) },
      { name: 'a', extra: 1 },
    ]) {
      await expectError(await admin('/v1/teams', { method: 'POST', json: body }), 400, 'validation_failed')
      await expectError(
        await admin(`/v1/teams/${team.id}`, { method: 'PATCH', json: body }),
        400,
        'validation_failed',
      )
    }
    await expectError(
      await admin('/v1/teams', { method: 'POST', body: 'name=x', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    )
    await expectError(await admin('/v1/teams/nope'), 400, 'validation_failed')
    await expectError(
      await admin(`/v1/teams/${team.id}/members/nope`, { method: 'PUT' }),
      400,
      'validation_failed',
    )
    expect(await teamsOf(admin)).toEqual([team])
  })

  it('is for admins', async () => {
    const tenant = await newAdmin()
    const team = await createTeam(tenant.admin)
    const operator = recording(client(await tenant.keyFor('operator')))
    await expectError(await operator('/v1/teams'), 403, 'forbidden')
    await expectError(await operator(`/v1/teams/${team.id}`), 403, 'forbidden')
    await expectError(await operator('/v1/teams', { method: 'POST', json: { name: 'x' } }), 403, 'forbidden')
    await expectError(await operator(`/v1/teams/${team.id}`, { method: 'DELETE' }), 403, 'forbidden')
    expect(await teamsOf(tenant.admin)).toEqual([team])
  })
})

describe('roles through teams', () => {
  const roleOf = async (call: Client) =>
    ((await (await call('/v1/auth/me')).json()) as { role: string | null }).role

  it('gives members the team grant on their next request, and takes it away with the grant', async () => {
    const { admin } = await newAdmin()
    const team = await createTeam(admin)
    const user = await createUser(admin)
    const { call } = await signedIn(user.email, user.password)
    expect(await roleOf(call)).toBeNull()
    await expectError(await call('/v1/teams'), 403, 'forbidden')

    await admin(`/v1/teams/${team.id}/members/${user.id}`, { method: 'PUT' })
    const grant = await grantToTeam(admin, team.id, 'admin')
    expect(await roleOf(call)).toBe('admin')
    expect((await call('/v1/teams')).status).toBe(200)

    expect((await admin(`/v1/grants/${grant.id}`, { method: 'DELETE' })).status).toBe(200)
    expect(await roleOf(call)).toBeNull()
    await expectError(await call('/v1/teams'), 403, 'forbidden')
  })

  it('takes the role away when the member leaves the team', async () => {
    const { admin } = await newAdmin()
    const team = await createTeam(admin)
    const user = await createUser(admin)
    await admin(`/v1/teams/${team.id}/members/${user.id}`, { method: 'PUT' })
    await grantToTeam(admin, team.id, 'operator')
    const { call } = await signedIn(user.email, user.password)
    expect(await roleOf(call)).toBe('operator')
    await admin(`/v1/teams/${team.id}/members/${user.id}`, { method: 'DELETE' })
    expect(await roleOf(call)).toBeNull()
  })

  it('keeps the strongest of the user’s own grants and their teams’', async () => {
    const { admin } = await newAdmin()
    const team = await createTeam(admin)
    const user = await createUser(admin, { role: 'viewer' })
    await admin(`/v1/teams/${team.id}/members/${user.id}`, { method: 'PUT' })
    await grantToTeam(admin, team.id, 'operator')
    const { call } = await signedIn(user.email, user.password)
    expect(await roleOf(call)).toBe('operator')
  })

  it('deletes a team with its memberships and grants, so nobody keeps its role', async () => {
    const { admin } = await newAdmin()
    const team = await createTeam(admin)
    const user = await createUser(admin)
    await admin(`/v1/teams/${team.id}/members/${user.id}`, { method: 'PUT' })
    await grantToTeam(admin, team.id, 'admin')
    const { call } = await signedIn(user.email, user.password)
    expect(await roleOf(call)).toBe('admin')

    const deleted = await admin(`/v1/teams/${team.id}`, { method: 'DELETE' })
    expect(await deleted.json()).toMatchObject({ member_ids: [user.id] })
    expect(await roleOf(call)).toBeNull()
    expect(await (await admin(`/v1/grants?subject_id=${team.id}`)).json()).toEqual({
      items: [],
      next_cursor: null,
    })
    const [record] = ((await (await admin('/v1/audit?action=team.delete')).json()) as { items: AuditEntry[] })
      .items
    expect(record?.details).toEqual({ name: 'SRE', member_ids: [user.id], grants_revoked: 1 })

    // A new team of the same name starts empty, without the old grants.
    const reborn = await createTeam(admin)
    expect(reborn.member_ids).toEqual([])
    expect(await roleOf(call)).toBeNull()
  })
})

describe('team secrets', () => {
  it('never answers with a password hash or a password a client chose', () => {
    expectNoSecretsAnswered()
  })
})
