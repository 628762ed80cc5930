import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AuditEntry } from '../../schema/api/access'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Alert, IntegrationWithSecret } from '../../schema/api/alerts'
import type { SlackApp, SlackLink, SlackLinkCode, SlackMessage } from '../../schema/api/chatops'
import type { Run } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import { createUser, signedIn } from '../../test/people-support'
import { connectAgent, script } from '../../test/worker-runs'
import {
  type Client,
  client,
  createSite,
  eventually,
  expectError,
  newTenant,
} from '../../test/worker-support'
import type { Page } from '../lib/paging'

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5'
const TEAM = 'T0SITEWIRE'
const RESPONSE_URL = 'https://hooks.slack.com/commands/T0SITEWIRE/1234567890/abcdefghijklmnop'

type Tenant = Awaited<ReturnType<typeof newTenant>>
let tenant: Tenant
let admin: Client
let site: Site

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')

/** Posts a slash command exactly as Slack does: form-encoded, signed v0 with the app's signing secret. */
const slack = async (
  tenantId: string,
  fields: Record<string, string>,
  options: { secret?: string; timestamp?: number; body?: string; contentType?: string } = {},
) => {
  const body =
    options.body ??
    new URLSearchParams({
      token: 'deprecated-verification-token',
      team_id: TEAM,
      team_domain: 'sitewire',
      channel_id: 'C0OPS',
      channel_name: 'ops',
      user_name: 'ada',
      command: '/sitewire',
      response_url: RESPONSE_URL,
      trigger_id: '13345224609.738474920.8088930838d88f008e0',
      api_app_id: 'A0SITEWIRE',
      ...fields,
    }).toString()
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(options.secret ?? SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`v0:${timestamp}:${body}`))
  return client(undefined)(`/v1/chatops/slack/${tenantId}/commands`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${hex(mac)}`,
    },
    body,
  })
}

/** A command's Slack message, failing the test on anything but 200. */
const command = async (user: string, text: string, tenantId = tenant.tenant_id) => {
  const response = await slack(tenantId, { user_id: user, text })
  expect(response.status).toBe(200)
  return (await response.json()) as SlackMessage
}

const configure = (call: Client, json: Record<string, unknown>) =>
  call('/v1/chatops/slack', { method: 'PUT', json })

/** A user with a role on the tenant, signed in, and linked to a Slack user with a code. */
const linkedUser = async (role: 'viewer' | 'operator' | undefined, slackUserId: string) => {
  const user = await createUser(admin, { role })
  const { call } = await signedIn(user.email, user.password)
  const response = await call('/v1/chatops/slack/link-codes', { method: 'POST' })
  expect(response.status).toBe(201)
  const code = (await response.json()) as SlackLinkCode
  expect(code.user_id).toBe(user.id)
  expect(code.command).toBe(`/sitewire link ${code.code}`)
  const linked = await command(slackUserId, `link ${code.code}`)
  expect(linked.response_type).toBe('ephemeral')
  expect(linked.text).toMatch(/^Linked/)
  return { user, call, code: code.code as string }
}

const amBody = (labels: Record<string, string>) => ({
  receiver: 'sitewire',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', severity: 'critical', ...labels },
      annotations: { summary: 'disk almost full' },
      startsAt: '2026-12-06T09:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom.example/graph',
      fingerprint: 'd15cf011d15cf011',
    },
  ],
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://am.example',
  version: '4',
  groupKey: '{}:{alertname="DiskFull"}',
  truncatedAlerts: 0,
})

/** Fires one Alertmanager alert through an integration of the site; answers the alert's id. */
const fireAlert = async (target: Site, labels: Record<string, string>) => {
  const made = await admin(`/v1/sites/${target.id}/integrations`, {
    method: 'POST',
    json: { name: 'am', settings: { kind: 'alertmanager' } },
  })
  expect(made.status).toBe(201)
  const integration = (await made.json()) as IntegrationWithSecret & { secret: string }
  const delivered = await client(undefined)(integration.hook_path, {
    method: 'POST',
    headers: { authorization: `Bearer ${integration.secret}` },
    json: amBody(labels),
  })
  expect(delivered.status).toBe(200)
  return ((await delivered.json()) as { alerts: { alert_id: string }[] }).alerts[0]?.alert_id as string
}

const alertOf = async (target: Site, alertId: string) =>
  (await (await admin(`/v1/sites/${target.id}/alerts/${alertId}`)).json()) as Alert

const audit = async (action: string) =>
  ((await (await admin(`/v1/audit?action=${action}&limit=100`)).json()) as Page<AuditEntry>).items

beforeAll(async () => {
  tenant = await newTenant()
  admin = tenant.client
  site = await createSite(admin, 'Paris DC1')
  const response = await configure(admin, { team_id: TEAM, default_site_id: site.id, signing_secret: SECRET })
  expect(response.status).toBe(200)
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the Slack app', () => {
  it('is configured by an admin, shown without its secret, audited, and turned off', async () => {
    const own = await newTenant()
    const ownSite = await createSite(own.client, 'Lyon')
    await expectError(
      await configure(own.client, { team_id: 'T0LYON', default_site_id: ownSite.id }),
      422,
      'signing_secret_required',
    )
    await expectError(
      await configure(own.client, { team_id: 'T0LYON', default_site_id: site.id, signing_secret: SECRET }),
      422,
      'unknown_site',
    )
    await expectError(
      await configure(client(await own.keyFor('operator')), {
        team_id: 'T0LYON',
        default_site_id: ownSite.id,
        signing_secret: SECRET,
      }),
      403,
      'forbidden',
    )
    await expectError(
      await configure(own.client, { team_id: 'lyon', default_site_id: ownSite.id, signing_secret: SECRET }),
      400,
      'validation_failed',
    )
    const put = await configure(own.client, {
      team_id: 'T0LYON',
      default_site_id: ownSite.id,
      signing_secret: 'first-secret-0123456789',
    })
    expect(put.status).toBe(200)
    // The secret may be left out to change the rest; the kept one still verifies.
    const again = await configure(own.client, { team_id: 'T0LYON', default_site_id: ownSite.id })
    const shown = await again.text()
    expect(shown).not.toContain('first-secret')
    expect(JSON.parse(shown)).toMatchObject({
      team_id: 'T0LYON',
      default_site_id: ownSite.id,
      command_path: `/v1/chatops/slack/${own.tenant_id}/commands`,
      updated_by: `key/${own.key_id}`,
    } satisfies Partial<SlackApp>)
    const read = await own.client('/v1/chatops/slack')
    expect(await read.text()).toBe(shown)
    const unlinked = await slack(
      own.tenant_id,
      { team_id: 'T0LYON', user_id: 'U0NOBODY', text: 'alerts' },
      {
        secret: 'first-secret-0123456789',
      },
    )
    expect(unlinked.status).toBe(200)

    const entries = await (await own.client('/v1/audit?action=chatops.slack.configure&limit=100')).text()
    expect(entries).toContain('"signing_secret_changed":true')
    expect(entries).toContain('"signing_secret_changed":false')
    expect(entries).not.toContain('first-secret')

    expect((await own.client('/v1/chatops/slack', { method: 'DELETE' })).status).toBe(204)
    await expectError(await own.client('/v1/chatops/slack'), 404, 'not_found')
    await expectError(
      await slack(
        own.tenant_id,
        { team_id: 'T0LYON', user_id: 'U0NOBODY', text: 'alerts' },
        {
          secret: 'first-secret-0123456789',
        },
      ),
      404,
      'not_found',
    )
  })

  it('refuses requests not signed by Slack, stale, malformed or of another team', async () => {
    const fields = { user_id: 'U0NOBODY', text: 'alerts' }
    await expectError(
      await slack(tenant.tenant_id, fields, { secret: 'not-the-secret' }),
      401,
      'invalid_signature',
    )
    const stale = await expectError(
      await slack(tenant.tenant_id, fields, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }),
      401,
      'invalid_signature',
    )
    expect(stale.error.details).toEqual({ reason: 'stale_timestamp' })
    const unsigned = await client(undefined)(`/v1/chatops/slack/${tenant.tenant_id}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'team_id=T0SITEWIRE&user_id=U0NOBODY&command=%2Fsitewire&text=alerts',
    })
    await expectError(unsigned, 401, 'invalid_signature')

    const missing = await expectError(
      await slack(tenant.tenant_id, {}, { body: 'team_id=T0SITEWIRE&command=%2Fsitewire&text=alerts' }),
      400,
      'validation_failed',
    )
    expect(missing.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'user_id' }),
        expect.objectContaining({ path: 'response_url' }),
      ]),
    )
    await expectError(
      await slack(tenant.tenant_id, {}, { body: '{"text":"alerts"}', contentType: 'application/json' }),
      400,
      'malformed_form',
    )
    await expectError(
      await slack(tenant.tenant_id, { ...fields, response_url: 'https://attacker.example/hook' }),
      400,
      'validation_failed',
    )
    await expectError(await slack(tenant.tenant_id, { ...fields, team_id: 'T0OTHERTEAM' }), 404, 'not_found')

    // Another tenant with its own app: its team is not this tenant's, and its requests are not signed with ours.
    const other = await newTenant()
    const otherSite = await createSite(other.client, 'Elsewhere')
    const otherSecret = 'other-secret-0123456789'
    await configure(other.client, {
      team_id: 'T0OTHERTEAM',
      default_site_id: otherSite.id,
      signing_secret: otherSecret,
    })
    await expectError(
      await slack(tenant.tenant_id, { ...fields, team_id: 'T0OTHERTEAM' }, { secret: otherSecret }),
      401,
      'invalid_signature',
    )
    await expectError(await slack(other.tenant_id, fields, { secret: otherSecret }), 404, 'not_found')
    await expectError(await slack('01J0000000000000000000000Z', fields), 404, 'not_found')
  })

  it('tells an unlinked Slack user how to link, and answers help and unknown commands with usage', async () => {
    const reply = await command('U0STRANGER', 'alerts')
    expect(reply.response_type).toBe('ephemeral')
    expect(reply.text).toContain('not linked')
    expect(reply.text).toContain('/sitewire link <code>')

    await linkedUser('viewer', 'U0HELPER')
    for (const text of ['', 'help']) {
      const help = await command('U0HELPER', text)
      expect(help.response_type).toBe('ephemeral')
      expect(help.text).toContain('*/sitewire run* <task-name> *on* <hostname | label=value[,label=value]>')
    }
    const unknown = await command('U0HELPER', 'reboot everything')
    expect(unknown.text).toMatch(/^there is no `reboot` command/)
    expect(unknown.text).toContain('*/sitewire alerts*')
  })
})

describe('links', () => {
  it('bind a Slack user once per code; users see and remove their own, admins all', async () => {
    const { user, call, code } = await linkedUser('operator', 'U0LINKER')
    const reused = await command('U0THIEF', `link ${code}`)
    expect(reused.text).toContain('unknown, used or expired')
    expect((await command('U0THIEF', 'alerts')).text).toContain('not linked')

    const own = (await (await call('/v1/chatops/slack/links')).json()) as Page<SlackLink>
    expect(own.items).toEqual([
      expect.objectContaining({ team_id: TEAM, slack_user_id: 'U0LINKER', user_id: user.id }),
    ])
    // An API key no user made has no one to link.
    await expectError(await admin('/v1/chatops/slack/link-codes', { method: 'POST' }), 403, 'user_required')
    const all = (await (await admin('/v1/chatops/slack/links')).json()) as Page<SlackLink>
    expect(all.items.map((link) => link.slack_user_id)).toContain('U0LINKER')
    const someoneElses = all.items.find((link) => link.user_id !== user.id)
    if (someoneElses)
      await expectError(
        await call(`/v1/chatops/slack/links/${someoneElses.id}`, { method: 'DELETE' }),
        404,
        'not_found',
      )

    const link = own.items[0] as SlackLink
    expect((await call(`/v1/chatops/slack/links/${link.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await command('U0LINKER', 'alerts')).text).toContain('not linked')
    const trail = await audit('chatops.slack.link')
    expect(trail.find((entry) => entry.object.id === link.id)).toMatchObject({
      actor: { type: 'user', id: user.id },
      status: 201,
      details: { team_id: TEAM, slack_user_id: 'U0LINKER', user_id: user.id },
    })
    expect(JSON.stringify(await audit('chatops.slack.link_code'))).not.toContain(code)
  })
})

describe('commands', () => {
  it('list firing alerts and acknowledge one as the linked user', async () => {
    const { user } = await linkedUser('operator', 'U0OPERATOR')
    const alertId = await fireAlert(site, { instance: 'db-1', job: 'node' })

    const listed = await command('U0OPERATOR', 'alerts')
    expect(listed.response_type).toBe('ephemeral')
    expect(listed.text).toContain('firing alert')
    const block = JSON.stringify(listed.blocks)
    expect(block).toContain('*critical*')
    expect(block).toContain('*DiskFull*')
    expect(block).toContain('instance=db-1')
    expect(block).toContain(`\`${alertId}\``)
    // By name, as the projections know the site.
    const named = await eventually(async () => {
      const reply = await command('U0OPERATOR', 'alerts paris dc1')
      return reply.text.includes(alertId) ? reply : undefined
    })
    expect(named.text).toContain('on Paris DC1')
    expect((await command('U0OPERATOR', 'alerts Atlantis')).text).toBe('No site *Atlantis* that you can see.')

    const acked = await command('U0OPERATOR', `ack ${alertId.toLowerCase()} looking at it`)
    expect(acked.response_type).toBe('in_channel')
    expect(acked.text).toBe(`<@U0OPERATOR> acknowledged *DiskFull* (\`${alertId}\`): looking at it`)
    expect((await alertOf(site, alertId)).acknowledged).toMatchObject({
      by: `user/${user.id}`,
      note: 'looking at it',
    })
    expect((await audit('alert.acknowledge')).find((entry) => entry.actor.id === user.id)).toMatchObject({
      site_id: site.id,
      status: 200,
      details: { via: 'slack', slack_user_id: 'U0OPERATOR', alert_id: alertId },
    })
    const missing = await command('U0OPERATOR', 'ack 01J0000000000000000000000Z')
    expect(missing.text).toMatch(/^Not done: alert not found/)
  })

  it('let a viewer list alerts but not acknowledge or run, changing nothing', async () => {
    await linkedUser('viewer', 'U0VIEWER')
    const alertId = await fireAlert(site, { instance: 'db-2' })
    expect((await command('U0VIEWER', 'alerts')).text).toContain(alertId)
    const head = async () =>
      ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq
    const before = await head()

    const ack = await command('U0VIEWER', `ack ${alertId}`)
    expect(ack.response_type).toBe('ephemeral')
    expect(ack.text).toBe(
      'To acknowledge alerts on Paris DC1 you need the operator role; you are viewer there.',
    )
    const run = await command('U0VIEWER', 'run Restart web on web-1')
    expect(run.text).toBe('To run tasks on Paris DC1 you need the operator role; you are viewer there.')
    expect((await alertOf(site, alertId)).acknowledged).toBeNull()
    expect(await head()).toBe(before)

    // A user with no role on the site does not see it at all.
    await linkedUser(undefined, 'U0NOROLE')
    expect((await command('U0NOROLE', 'alerts')).text).toBe('No site that you can see.')
    expect((await command('U0NOROLE', `ack ${alertId}`)).text).toBe('No site that you can see.')
    expect((await command('U0NOROLE', `alerts ${site.id}`)).text).toBe(
      `No site *${site.id}* that you can see.`,
    )
  })

  it('run a task as the linked user and post its outcome to response_url', async () => {
    const { user } = await linkedUser('operator', 'U0RUNNER')
    const runSite = await createSite(admin, 'Run site')
    // Commands act on the default site: point it at the site with an agent.
    await configure(admin, { team_id: TEAM, default_site_id: runSite.id })
    try {
      const token = (await (
        await admin(`/v1/sites/${runSite.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: 1 } })
      ).json()) as CreatedEnrolmentToken & { token: string }
      const agent = await connectAgent(runSite, token.token, { role: 'web' })
      const task = await admin(`/v1/sites/${runSite.id}/tasks`, {
        method: 'POST',
        json: { name: 'Restart web', steps: [script('systemctl restart nginx')] },
      })
      expect(task.status).toBe(201)

      // The stand-in for Slack's response_url: every post to hooks.slack.com is kept here.
      const posts: { url: string; body: SlackMessage }[] = []
      const realFetch = globalThis.fetch
      vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
        const url = input instanceof Request ? input.url : String(input)
        if (!url.startsWith('https://hooks.slack.com/')) return realFetch(input, init)
        posts.push({ url, body: JSON.parse(String(init?.body)) })
        return new Response('ok')
      })

      expect((await command('U0RUNNER', 'run Restart web on nowhere')).text).toMatch(
        /^Not done: no approved agent matches/,
      )
      expect((await command('U0RUNNER', 'run Stop the world on web-1')).text).toBe(
        'No task named *Stop the world* on Run site.',
      )
      const reply = await command('U0RUNNER', 'run Restart web on role=web')
      expect(reply.response_type).toBe('ephemeral')
      expect(reply.text).toMatch(
        /^Run of \*Restart web\* requested on 1 agent: <https:\/\/sitewire\.test\/sites\//,
      )

      const runs = (await (await admin(`/v1/sites/${runSite.id}/runs`)).json()) as Page<Run>
      expect(runs.items).toHaveLength(1)
      const run = runs.items[0] as Run
      expect(run).toMatchObject({
        task_name: 'Restart web',
        requested_by: `user/${user.id}`,
        trigger: { kind: 'chatops', app: 'slack', team_id: TEAM, user_id: 'U0RUNNER' },
      })
      expect(reply.text).toContain(`/sites/${runSite.id}/runs/${run.id}|${run.id}>`)

      // Not finished yet: the watch posts nothing.
      await runDurableObjectAlarm(env.TENANT.get(env.TENANT.idFromName(tenant.tenant_id)))
      expect(posts).toEqual([])

      await agent.finish(await agent.nextStep(1), 'succeeded', 0)
      const post = await eventually(async () => {
        await runDurableObjectAlarm(env.TENANT.get(env.TENANT.idFromName(tenant.tenant_id)))
        return posts[0]
      })
      expect(post.url).toBe(RESPONSE_URL)
      expect(post.body).toMatchObject({ response_type: 'ephemeral', replace_original: false })
      expect(post.body.text).toBe(
        `Run of *Restart web* succeeded: 1 succeeded, 0 failed, 0 cancelled. <https://sitewire.test/sites/${runSite.id}/runs/${run.id}|${run.id}>`,
      )
      await runDurableObjectAlarm(env.TENANT.get(env.TENANT.idFromName(tenant.tenant_id)))
      expect(posts).toHaveLength(1)
      const requests = (await audit('run.request')).filter((entry) => entry.actor.id === user.id)
      expect(requests.map((entry) => entry.status).sort()).toEqual([202, 422])
      expect(requests.find((entry) => entry.status === 202)).toMatchObject({
        site_id: runSite.id,
        status: 202,
        details: { via: 'slack', slack_user_id: 'U0RUNNER' },
      })
    } finally {
      await configure(admin, { team_id: TEAM, default_site_id: site.id })
    }
  })
  it('run a task on a site the command names, with parameters typed by the task, refusing others', async () => {
    await linkedUser('operator', 'U0PARAMS')
    const lyon = await createSite(admin, 'Lyon DC2')
    const token = (await (
      await admin(`/v1/sites/${lyon.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: 1 } })
    ).json()) as CreatedEnrolmentToken & { token: string }
    await connectAgent(lyon, token.token, { role: 'api' })
    const task = await admin(`/v1/sites/${lyon.id}/tasks`, {
      method: 'POST',
      json: {
        name: 'Deploy api',
        params: [
          { name: 'version', type: 'string', required: true },
          { name: 'replicas', type: 'number' },
          { name: 'dry_run', type: 'boolean' },
        ],
        steps: [script('deploy {{ params.version }} {{ params.replicas }} {{ params.dry_run }}')],
      },
    })
    expect(task.status).toBe(201)
    const runsOfLyon = async () =>
      ((await (await admin(`/v1/sites/${lyon.id}/runs`)).json()) as Page<Run>).items

    expect((await command('U0PARAMS', `run Deploy api on role=api in ${lyon.id} with colour=red`)).text).toBe(
      'Not run: the task takes no parameter "colour" (its parameters: version, replicas, dry_run).',
    )
    expect(
      (await command('U0PARAMS', `run Deploy api on role=api in ${lyon.id} with replicas=many`)).text,
    ).toBe('Not run: parameter replicas takes a number, not "many".')
    expect((await command('U0PARAMS', 'run Deploy api on role=api with version=1')).text).toBe(
      'No task named *Deploy api* on Paris DC1.',
    )
    expect((await command('U0PARAMS', 'run Deploy api on role=api in Nowhere with version=1')).text).toBe(
      'No site *Nowhere* that you can see.',
    )
    expect(await runsOfLyon()).toEqual([])

    const reply = await command(
      'U0PARAMS',
      `run Deploy api on role=api in ${lyon.id} with version="1.2 beta" replicas=3 dry_run=true`,
    )
    expect(reply.text).toMatch(/^Run of \*Deploy api\* requested on 1 agent/)
    const runs = await runsOfLyon()
    expect(runs).toHaveLength(1)
    const detail = (await (await admin(`/v1/sites/${lyon.id}/runs/${runs[0]?.id}`)).json()) as Run
    expect(detail.params).toEqual({ version: '1.2 beta', replicas: 3, dry_run: true })
  })
})
