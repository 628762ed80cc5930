import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AuditEntry } from '../../schema/api/access'
import type { EntityWritten } from '../../schema/api/inventory'
import type { EntityReport } from '../../schema/api/inventory-reports'
import type { SavedReport, SavedReportResult } from '../../schema/api/saved-reports'
import type { Site } from '../../schema/api/sites'
import type { Team } from '../../schema/api/teams'
import { hexOf, pdfStreams } from '../../test/pdf-support'
import { createUser, signedIn } from '../../test/people-support'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'

let tenant: Awaited<ReturnType<typeof newTenant>>
let admin: Client
let sites: { first: Site; second: Site }

const SERVERS = {
  type: 'entities',
  query: { kind: 'server', columns: 'name,site_id,attributes.environment' },
}

const make = async (site: Site, name: string, environment: string) => {
  const response = await admin(`/v1/sites/${site.id}/inventory/entities`, {
    method: 'POST',
    json: { kind: 'server', name, attributes: { hostname: name, environment } },
  })
  expect(response.status, await response.clone().text()).toBe(201)
  return ((await response.json()) as EntityWritten).id
}

const save = async (call: Client, json: Record<string, unknown>) => {
  const response = await call('/v1/inventory/saved-reports', { method: 'POST', json })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as SavedReport
}

const run = async (call: Client, id: string) => {
  const response = await call(`/v1/inventory/saved-reports/${id}/run`, { method: 'POST' })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as SavedReportResult
}

const download = async (call: Client, id: string, resultId: string) => {
  const response = await call(`/v1/inventory/saved-reports/${id}/results/${resultId}`)
  expect(response.status, await response.clone().text()).toBe(200)
  return response
}

const results = async (call: Client, id: string) => {
  const response = await call(`/v1/inventory/saved-reports/${id}/results`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { items: SavedReportResult[] }).items
}

const stored = (reportId: string, resultId: string, ext: string) =>
  env.ARCHIVES.get(`tenants/${tenant.tenant_id}/reports/${reportId}/${resultId}.${ext}`)

/**
 * The tenant object's alarm (set for the next scheduled run), run now, as if the clock had
 * passed each scheduled report's next run by `before` ms.
 */
const fireSchedules = async (before = 0) => {
  await runInDurableObject(tenant.object, (_instance, state) => {
    state.storage.sql.exec(
      'UPDATE saved_reports SET next_run_at = ? WHERE next_run_at IS NOT NULL',
      Date.now() - 1 - before,
    )
  })
  expect(await runDurableObjectAlarm(tenant.object)).toBe(true)
}

const auditOf = async (action: string) => {
  const response = await admin(`/v1/audit?action=${action}`)
  return ((await response.json()) as { items: AuditEntry[] }).items
}

/** A user with a role on each given site, signed in. */
const viewerOf = async (...siteIds: string[]) => {
  const user = await createUser(admin)
  const grants: string[] = []
  for (const siteId of siteIds) {
    const response = await admin('/v1/grants', {
      method: 'POST',
      json: { subject: { type: 'user', id: user.id }, role: 'viewer', site_id: siteId },
    })
    expect(response.status).toBe(201)
    grants.push(((await response.json()) as { id: string }).id)
  }
  return { user, grants, call: (await signedIn(user.email, user.password)).call }
}

beforeAll(async () => {
  tenant = await newTenant()
  admin = tenant.client
  sites = { first: await createSite(admin, 'saved-1'), second: await createSite(admin, 'saved-2') }
  await make(sites.first, 'web-1', 'prod')
  await make(sites.first, 'web-2', 'dev')
  await make(sites.second, 'db-1', 'prod')
  await eventually(async () => {
    const response = await admin('/v1/inventory/reports/entities?kind=server')
    const body = (await response.json()) as EntityReport
    return body.total === 3 ? body : undefined
  })
})

describe('saved reports', () => {
  it('are saved, listed, read, changed and deleted, each change audited', async () => {
    const report = await save(admin, {
      name: 'Servers',
      description: 'every server',
      report: SERVERS,
      format: 'csv',
      schedule: { cron: '0 6 * * 1', timezone: 'Europe/Paris' },
    })
    expect(report).toMatchObject({
      name: 'Servers',
      description: 'every server',
      report: SERVERS,
      format: 'csv',
      schedule: { cron: '0 6 * * 1', timezone: 'Europe/Paris' },
      retention: 30,
      shared_with_team_ids: [],
      owner: { type: 'key', id: tenant.key_id },
      last_result: null,
    })
    // Mondays 06:00 in Paris is 05:00 or 04:00 UTC.
    expect(new Date(report.next_run_at as string).getUTCDay()).toBe(1)
    expect(new Date(report.next_run_at as string).getTime()).toBeGreaterThan(Date.now())
    const listed = (await (await admin('/v1/inventory/saved-reports')).json()) as { items: SavedReport[] }
    expect(listed.items.map((item) => item.id)).toContain(report.id)
    expect(await (await admin(`/v1/inventory/saved-reports/${report.id}`)).json()).toEqual(report)

    const patched = await admin(`/v1/inventory/saved-reports/${report.id}`, {
      method: 'PATCH',
      json: { name: 'All servers', schedule: null, format: 'json' },
    })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({
      name: 'All servers',
      schedule: null,
      next_run_at: null,
      format: 'json',
    })

    const deleted = await admin(`/v1/inventory/saved-reports/${report.id}`, { method: 'DELETE' })
    expect(deleted.status).toBe(204)
    await expectError(await admin(`/v1/inventory/saved-reports/${report.id}`), 404, 'not_found')
    for (const action of ['saved_report.create', 'saved_report.update', 'saved_report.delete']) {
      const entries = await auditOf(action)
      expect(entries.map((entry) => [entry.object.id, entry.status])).toContainEqual([
        report.id,
        action === 'saved_report.create' ? 201 : action === 'saved_report.delete' ? 204 : 200,
      ])
    }
  })

  it('run now stores a file in R2 whose content is the live report, in each format', async () => {
    const live = await admin(
      '/v1/inventory/reports/entities?kind=server&columns=name,site_id,attributes.environment&format=csv',
    )
    const csv = await save(admin, { name: 'csv', report: SERVERS, format: 'csv' })
    const csvResult = await run(admin, csv.id)
    expect(csvResult).toMatchObject({
      report_id: csv.id,
      trigger: 'manual',
      status: 'succeeded',
      rows: 3,
      error: null,
    })
    const csvText = await (await download(admin, csv.id, csvResult.id)).text()
    expect(csvText).toBe(await live.text())
    expect(csvResult.bytes).toBe(new TextEncoder().encode(csvText).byteLength)
    expect(await (await stored(csv.id, csvResult.id, 'csv'))?.text()).toBe(csvText)

    const json = await save(admin, {
      name: 'json',
      report: { ...SERVERS, query: { ...SERVERS.query, sort: '-name' } },
    })
    const jsonResult = await run(admin, json.id)
    const file = await download(admin, json.id, jsonResult.id)
    expect(file.headers.get('content-type')).toBe('application/json')
    const liveJson = await admin(
      '/v1/inventory/reports/entities?kind=server&columns=name,site_id,attributes.environment&sort=-name',
    )
    expect(await file.json()).toEqual(await liveJson.json())

    const pdf = await save(admin, { name: 'pdf', report: SERVERS, format: 'pdf' })
    const pdfResult = await run(admin, pdf.id)
    const pdfFile = await download(admin, pdf.id, pdfResult.id)
    expect(pdfFile.headers.get('content-type')).toBe('application/pdf')
    const bytes = new Uint8Array(await pdfFile.arrayBuffer())
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-')
    const text = await pdfStreams(bytes)
    for (const name of ['web-1', 'web-2', 'db-1']) expect(text).toContain(`<${hexOf(name)}> Tj`)

    const pivot = await save(admin, {
      name: 'pivot',
      report: { type: 'pivot', query: { chain: 'server,runs_on,application' } },
      format: 'json',
    })
    const pivotResult = await run(admin, pivot.id)
    expect(pivotResult.status).toBe('succeeded')
    const livePivot = await admin('/v1/inventory/reports/pivot?chain=server,runs_on,application')
    expect(await (await download(admin, pivot.id, pivotResult.id)).json()).toEqual(await livePivot.json())

    const [entry] = await auditOf('saved_report.run')
    expect(entry).toBeDefined()
    expect((await results(admin, csv.id)).map((result) => result.id)).toEqual([csvResult.id])
    expect(
      ((await (await admin(`/v1/inventory/saved-reports/${csv.id}`)).json()) as SavedReport).last_result,
    ).toEqual(csvResult)
  })

  it('runs on schedule from the alarm, once for fires missed, and prunes results beyond retention with their files', async () => {
    const report = await save(admin, {
      name: 'hourly',
      report: SERVERS,
      format: 'csv',
      schedule: { cron: '* * * * *', timezone: 'UTC' },
      retention: 2,
    })
    // An hour of missed minutes runs once.
    await fireSchedules(60 * 60_000)
    const first = await results(admin, report.id)
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded', rows: 3 })
    const next = ((await (await admin(`/v1/inventory/saved-reports/${report.id}`)).json()) as SavedReport)
      .next_run_at
    expect(new Date(next as string).getTime()).toBeGreaterThan(Date.now())
    await fireSchedules()
    await fireSchedules()
    const kept = await results(admin, report.id)
    expect(kept).toHaveLength(2)
    const oldest = first[0] as SavedReportResult
    expect(kept.map((result) => result.id)).not.toContain(oldest.id)
    expect(kept.map((result) => result.id)).toEqual(
      kept
        .map((result) => result.id)
        .sort()
        .reverse(),
    )
    expect(await stored(report.id, oldest.id, 'csv')).toBeNull()
    expect(await stored(report.id, kept[0]?.id as string, 'csv')).not.toBeNull()
    await expectError(
      await admin(`/v1/inventory/saved-reports/${report.id}/results/${oldest.id}`),
      404,
      'not_found',
    )
    await admin(`/v1/inventory/saved-reports/${report.id}`, { method: 'DELETE' })
    expect(await stored(report.id, kept[0]?.id as string, 'csv')).toBeNull()
  })

  it("reads with the owner's access as it is at run time", async () => {
    const owner = await viewerOf(sites.first.id, sites.second.id)
    const report = await save(owner.call, { name: 'mine', report: SERVERS, format: 'json' })
    expect(report.owner).toEqual({ type: 'user', id: owner.user.id })
    const names = async (result: SavedReportResult) =>
      ((await (await download(owner.call, report.id, result.id)).json()) as EntityReport).rows.map(
        (row) => row.name,
      )
    expect(await names(await run(owner.call, report.id))).toEqual(['db-1', 'web-1', 'web-2'])
    // The owner loses the second site: the next result lacks its server, even run by an admin.
    expect((await admin(`/v1/grants/${owner.grants[1]}`, { method: 'DELETE' })).status).toBe(200)
    expect(await names(await run(admin, report.id))).toEqual(['web-1', 'web-2'])

    // Disabled, the owner's scheduled runs fail, and the schedule keeps going.
    await admin(`/v1/inventory/saved-reports/${report.id}`, {
      method: 'PATCH',
      json: { schedule: { cron: '0 * * * *', timezone: 'UTC' } },
    })
    expect(
      (await admin(`/v1/users/${owner.user.id}`, { method: 'PATCH', json: { disabled: true } })).status,
    ).toBe(200)
    await fireSchedules()
    const [failed] = await results(admin, report.id)
    expect(failed).toMatchObject({ trigger: 'schedule', status: 'failed', rows: null, bytes: null })
    expect(failed?.error?.code).toBe('owner_inactive')
    await expectError(
      await admin(`/v1/inventory/saved-reports/${report.id}/results/${failed?.id}`),
      404,
      'not_found',
    )
    const after = (await (await admin(`/v1/inventory/saved-reports/${report.id}`)).json()) as SavedReport
    expect(after.next_run_at).not.toBeNull()
    await admin(`/v1/inventory/saved-reports/${report.id}`, { method: 'PATCH', json: { schedule: null } })

    // An API key that saved a report, once revoked, leaves it owner_inactive.
    const keyResponse = await admin('/v1/api-keys', {
      method: 'POST',
      json: { name: 'reports', role: 'viewer', site_id: null, scopes: ['api'], expires_at: null },
    })
    const key = (await keyResponse.json()) as { id: string; secret: string }
    const byKey = await save(client(key.secret), { name: 'by key', report: SERVERS })
    expect((await admin(`/v1/api-keys/${key.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await run(admin, byKey.id)).error?.code).toBe('owner_inactive')
  })

  it('are shared with teams: members read them and their results, only the owner or an admin changes them', async () => {
    const owner = await viewerOf(sites.first.id)
    const member = await viewerOf()
    const stranger = await viewerOf(sites.first.id, sites.second.id)
    const teamResponse = await admin('/v1/teams', {
      method: 'POST',
      json: { name: `readers-${crypto.randomUUID()}` },
    })
    const team = (await teamResponse.json()) as Team
    expect(
      (await admin(`/v1/teams/${team.id}/members/${member.user.id}`, { method: 'PUT' })).status,
    ).toBeLessThan(300)
    const member2 = { ...member, call: (await signedIn(member.user.email, member.user.password)).call }

    const report = await save(owner.call, {
      name: 'shared',
      report: SERVERS,
      format: 'csv',
      shared_with_team_ids: [team.id],
    })
    const result = await run(owner.call, report.id)
    expect((await member2.call(`/v1/inventory/saved-reports/${report.id}`)).status).toBe(200)
    const listed = (await (await member2.call('/v1/inventory/saved-reports')).json()) as {
      items: SavedReport[]
    }
    expect(listed.items.map((item) => item.id)).toEqual([report.id])
    expect((await results(member2.call, report.id)).map((r) => r.id)).toEqual([result.id])
    // The member sees what the owner could read, though the member has no grant on the site.
    expect(await (await download(member2.call, report.id, result.id)).text()).toContain('web-1')

    const path = `/v1/inventory/saved-reports/${report.id}`
    await expectError(
      await member2.call(path, { method: 'PATCH', json: { name: 'mine now' } }),
      403,
      'forbidden',
    )
    await expectError(await member2.call(path, { method: 'DELETE' }), 403, 'forbidden')
    await expectError(await member2.call(`${path}/run`, { method: 'POST' }), 403, 'forbidden')
    await expectError(
      await member2.call(path, { method: 'PATCH', json: { shared_with_team_ids: [] } }),
      403,
      'forbidden',
    )

    await expectError(await stranger.call(path), 404, 'not_found')
    await expectError(await stranger.call(`${path}/results`), 404, 'not_found')
    await expectError(await stranger.call(`${path}/results/${result.id}`), 404, 'not_found')
    await expectError(await stranger.call(path, { method: 'DELETE' }), 404, 'not_found')

    // A tenant admin may change anyone's report.
    const renamed = await admin(path, { method: 'PATCH', json: { name: 'renamed by admin' } })
    expect(renamed.status).toBe(200)
    const unchanged = (await (await owner.call(path)).json()) as SavedReport
    expect(unchanged).toMatchObject({ name: 'renamed by admin', shared_with_team_ids: [team.id] })
  })

  it('refuses bad input with the documented errors and stores nothing', async () => {
    const before = (await (await admin('/v1/inventory/saved-reports?limit=1000')).json()) as {
      items: SavedReport[]
    }
    const post = (body: string) =>
      admin('/v1/inventory/saved-reports', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      })
    await expectError(await post('{"name":'), 400, 'malformed_json')
    await expectError(
      await admin('/v1/inventory/saved-reports', {
        method: 'POST',
        body: 'name=x',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'unsupported_media_type',
    )
    const bad = async (json: Record<string, unknown>, status = 400, code = 'validation_failed') =>
      expectError(await admin('/v1/inventory/saved-reports', { method: 'POST', json }), status, code)
    await bad({ name: 7, report: SERVERS })
    await bad({ name: 'x', report: { type: 'entities', query: { kind: 'robot' } } })
    await bad({ name: 'x', report: { type: 'entities', query: { kind: 'server', filter: ['name:like:x'] } } })
    await bad({ name: 'x', report: { type: 'entities', query: { kind: 'server', format: 'csv' } } })
    await bad({ name: 'x', report: { type: 'pivot', query: { chain: 'server' } } })
    await bad({ name: 'x', report: SERVERS, format: 'xlsx' })
    await bad({ name: 'x', report: SERVERS, retention: 501 })
    await bad({ name: 'x', report: SERVERS, schedule: { cron: '61 * * * *', timezone: 'UTC' } })
    await bad({ name: 'x', report: SERVERS, schedule: { cron: '* * *', timezone: 'UTC' } })
    await bad({ name: 'x', report: SERVERS, schedule: { cron: '* * * * *', timezone: 'Mars/Olympus' } })
    await bad({ name: 'x', report: SERVERS, extra: true })
    await bad(
      { name: 'x', report: { type: 'pivot', query: { chain: 'server,owned_by,application' } } },
      400,
      'relation_not_allowed',
    )
    await bad(
      { name: 'x', report: SERVERS, shared_with_team_ids: ['01J00000000000000000000000'] },
      422,
      'unknown_team',
    )
    const after = (await (await admin('/v1/inventory/saved-reports?limit=1000')).json()) as {
      items: SavedReport[]
    }
    expect(after.items).toEqual(before.items)

    const unknown = '01J00000000000000000000000'
    await expectError(await admin(`/v1/inventory/saved-reports/${unknown}`), 404, 'not_found')
    await expectError(
      await admin(`/v1/inventory/saved-reports/${unknown}/run`, { method: 'POST' }),
      404,
      'not_found',
    )
    await expectError(await admin(`/v1/inventory/saved-reports/${unknown}/results`), 404, 'not_found')
    await expectError(await admin('/v1/inventory/saved-reports/not-an-id'), 400, 'validation_failed')

    const report = await save(admin, { name: 'mine', report: SERVERS })
    const result = await run(admin, report.id)
    await expectError(
      await admin(`/v1/inventory/saved-reports/${report.id}`, {
        method: 'PATCH',
        json: { retention: 'many' },
      }),
      400,
      'validation_failed',
    )
    await expectError(
      await admin(`/v1/inventory/saved-reports/${report.id}`, {
        method: 'PATCH',
        body: '[',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'malformed_json',
    )
    expect(await (await admin(`/v1/inventory/saved-reports/${report.id}`)).json()).toMatchObject({
      name: 'mine',
      retention: 30,
    })

    // Another tenant sees none of it.
    const other = (await newTenant()).client
    await expectError(await other(`/v1/inventory/saved-reports/${report.id}`), 404, 'not_found')
    await expectError(
      await other(`/v1/inventory/saved-reports/${report.id}/results/${result.id}`),
      404,
      'not_found',
    )
    await expectError(
      await other(`/v1/inventory/saved-reports/${report.id}/run`, { method: 'POST' }),
      404,
      'not_found',
    )
    await expectError(
      await other(`/v1/inventory/saved-reports/${report.id}`, { method: 'DELETE' }),
      404,
      'not_found',
    )
    expect((await results(admin, report.id)).map((r) => r.id)).toEqual([result.id])
  })
})
