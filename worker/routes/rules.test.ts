import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Alert, IntegrationWithSecret } from '../../schema/api/alerts'
import type { BacktestResult, Rule, RuleTrigger } from '../../schema/api/rules'
import type { Run } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import type { Task } from '../../schema/api/tasks'
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
import type { SiteObject } from '../site-object/site-object'

let admin: Client

beforeAll(async () => {
  admin = (await newTenant()).client
})

const hook = client(undefined)

/** A site with one agent on host `web-1`, a task with a `reason` parameter, and an Alertmanager integration. */
const siteForRules = async () => {
  const site = await createSite(admin, 'rules')
  const token = (await (
    await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: 1 } })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const agent = await connectAgent(site, token.token)
  const task = (await (
    await admin(`/v1/sites/${site.id}/tasks`, {
      method: 'POST',
      json: {
        name: 'Restart web',
        params: [{ name: 'reason', type: 'string', required: true }],
        steps: [script('systemctl restart web')],
      },
    })
  ).json()) as Task
  const integration = (await (
    await admin(`/v1/sites/${site.id}/integrations`, {
      method: 'POST',
      json: { name: 'prometheus', settings: { kind: 'alertmanager' } },
    })
  ).json()) as IntegrationWithSecret & { secret: string }
  const fire = (labels: Record<string, string>, startsAt = '2026-12-06T09:00:00Z', status = 'firing') =>
    hook(integration.hook_path, {
      method: 'POST',
      headers: { authorization: `Bearer ${integration.secret}` },
      json: {
        receiver: 'sitewire',
        status,
        alerts: [
          {
            status,
            labels: { alertname: 'WebDown', severity: 'critical', ...labels },
            annotations: { summary: 'web is down' },
            startsAt,
            endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-12-06T09:30:00Z',
            generatorURL: '',
            fingerprint: `${labels.instance ?? 'none'}`.padEnd(16, '0'),
          },
        ],
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: '',
        version: '4',
        groupKey: '{}',
        truncatedAlerts: 0,
      },
    })
  const createRule = async (json: Record<string, unknown>) => {
    const response = await admin(`/v1/sites/${site.id}/rules`, { method: 'POST', json })
    expect(response.status).toBe(201)
    return (await response.json()) as Rule
  }
  const triggers = async (path: string) =>
    ((await (await admin(`/v1/sites/${site.id}/${path}/triggers`)).json()) as Page<RuleTrigger>).items
  return { site, agent, task, integration, fire, createRule, triggers }
}

const restartRule = (task: Task) => ({
  name: 'Restart web on WebDown',
  expression: 'alert.name == "WebDown" && alert.severity == "critical"',
  action: {
    kind: 'run_task',
    task_id: task.id,
    params: { reason: '{{ alert.summary }} on {{ alert.labels.instance }}' },
    target_label: 'instance',
  },
})

const alertsOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/alerts`)).json()) as Page<Alert>).items

describe('rules', () => {
  it('start a run on the agent the alert names, and the run says why it ran', async () => {
    const { site, agent, task, fire, createRule, triggers } = await siteForRules()
    const rule = await createRule(restartRule(task))
    expect(rule).toMatchObject({ version: 1, on: ['fired', 'refired'], enabled: true })

    expect((await fire({ instance: 'web-1:9100' })).status).toBe(200)
    const step = await agent.nextStep(1)
    const [alert] = await alertsOf(site)
    const [trigger] = await triggers(`alerts/${alert?.id}`)
    expect(trigger).toMatchObject({
      rule_id: rule.id,
      rule_version: 1,
      alert_id: alert?.id,
      episode: 1,
      transition: 'fired',
      outcome: 'started',
      error: null,
    })
    expect(step.run_id).toBe(trigger?.run_id)
    const run = (await (await admin(`/v1/sites/${site.id}/runs/${trigger?.run_id}`)).json()) as Run
    expect(run.params).toEqual({ reason: 'web is down on web-1:9100' })
    expect(run.trigger).toEqual({
      kind: 'rule',
      rule_id: rule.id,
      rule_version: 1,
      alert_id: alert?.id,
      episode: 1,
      delivery_id: expect.any(String),
    })
    await agent.finish(step, 'succeeded', 0)
    await eventually(async () => {
      const [now] = await triggers(`rules/${rule.id}`)
      return now?.run_status === 'succeeded' ? now : undefined
    })

    // The same episode again changes nothing; a new one within the throttle is recorded as throttled.
    await fire({ instance: 'web-1:9100' })
    expect(await triggers(`rules/${rule.id}`)).toHaveLength(1)
    await fire({ instance: 'web-1:9100' }, '2026-12-06T09:10:00Z', 'resolved')
    await fire({ instance: 'web-1:9100' }, '2026-12-06T09:20:00Z')
    const [latest] = await triggers(`rules/${rule.id}`)
    expect(latest).toMatchObject({ transition: 'refired', episode: 2, outcome: 'throttled', run_id: null })
  })

  it('hear of rules made, changed and deleted after alerts have already come', async () => {
    const { site, task, fire, createRule, triggers } = await siteForRules()
    await fire({ instance: 'db-1' })
    const rule = await createRule({ ...restartRule(task), throttle: { fingerprint_seconds: 0 } })
    await fire({ instance: 'web-1' })
    expect((await triggers(`rules/${rule.id}`)).map((t) => t.outcome)).toEqual(['started'])
    await admin(`/v1/sites/${site.id}/rules/${rule.id}`, { method: 'PATCH', json: { enabled: false } })
    await fire({ instance: 'web-1' }, '2026-12-06T09:30:00Z')
    expect(await triggers(`rules/${rule.id}`)).toHaveLength(1)
  })

  it('record why no run started, and never let alert text reach the agent as a template', async () => {
    const { site, task, fire, createRule, triggers } = await siteForRules()
    const rule = await createRule({ ...restartRule(task), throttle: { fingerprint_seconds: 0 } })
    await fire({ instance: 'db-7' })
    await fire({ instance: '{{ secrets.TOKEN }}' })
    const outcomes = (await triggers(`rules/${rule.id}`)).map((t) => [t.outcome, t.error])
    expect(outcomes).toEqual([
      ['failed', expect.stringContaining('holds "{{"')],
      ['failed', expect.stringMatching(/^no_targets: /)],
    ])
    expect(((await (await admin(`/v1/sites/${site.id}/runs`)).json()) as Page<Run>).items).toEqual([])
  })

  it('leave silenced alerts alone until their silence ends, then act', async () => {
    const { site, agent, task, fire, createRule, triggers } = await siteForRules()
    const silence = (await (
      await admin(`/v1/sites/${site.id}/silences`, {
        method: 'POST',
        json: {
          matchers: [{ label: 'alertname', op: '=', value: 'WebDown' }],
          ends_at: '2099-01-01T00:00:00Z',
        },
      })
    ).json()) as { id: string }
    const rule = await createRule(restartRule(task))
    await fire({ instance: 'web-1' })
    expect(await triggers(`rules/${rule.id}`)).toEqual([])
    await admin(`/v1/sites/${site.id}/silences/${silence.id}`, { method: 'DELETE' })
    const [trigger] = await triggers(`rules/${rule.id}`)
    expect(trigger).toMatchObject({ transition: 'fired', outcome: 'started' })
    expect((await agent.nextStep(1)).run_id).toBe(trigger?.run_id)
  })

  it('resolve alerts when that is their action, and act only on the transitions named', async () => {
    const { site, fire, createRule, triggers } = await siteForRules()
    const rule = await createRule({
      name: 'Close info alerts',
      expression: 'alert.labels.severity == "info"',
      on: ['fired'],
      action: { kind: 'resolve' },
    })
    await fire({ instance: 'web-1', severity: 'info' })
    await fire({ instance: 'web-2', severity: 'critical' })
    const alerts = await alertsOf(site)
    expect(alerts.map((a) => [a.labels.instance, a.status, a.resolve_reason])).toEqual([
      ['web-2', 'firing', null],
      ['web-1', 'resolved', 'rule'],
    ])
    expect((await triggers(`rules/${rule.id}`)).map((t) => t.outcome)).toEqual(['resolved'])
  })

  it('are checked when saved: a bad expression is refused with where it is, and edits make versions', async () => {
    const { site, task, createRule } = await siteForRules()
    const bad = await expectError(
      await admin(`/v1/sites/${site.id}/rules`, {
        method: 'POST',
        json: { ...restartRule(task), expression: 'alert.severity ==\n  "critical" &&' },
      }),
      422,
      'invalid_expression',
    )
    expect(bad.error.details).toMatchObject({ position: { line: 2 } })
    const unknown = await expectError(
      await admin(`/v1/sites/${site.id}/rules`, {
        method: 'POST',
        json: { ...restartRule(task), expression: 'alert.sevrity == "critical"' },
      }),
      422,
      'invalid_expression',
    )
    expect(unknown.error.details).toMatchObject({ position: { line: 1, column: expect.any(Number) } })
    await expectError(
      await admin(`/v1/sites/${site.id}/rules`, {
        method: 'POST',
        json: { ...restartRule(task), action: { kind: 'run_task', task_id: task.id } },
      }),
      400,
      'validation_failed',
    )
    const rule = await createRule(restartRule(task))
    const updated = await admin(`/v1/sites/${site.id}/rules/${rule.id}`, {
      method: 'PATCH',
      json: { enabled: false },
    })
    expect(((await updated.json()) as Rule).version).toBe(2)
    const versions = (await (await admin(`/v1/sites/${site.id}/rules/${rule.id}/versions`)).json()) as {
      items: { version: number; definition: { enabled: boolean } }[]
    }
    expect(versions.items.map((item) => [item.version, item.definition.enabled])).toEqual([
      [1, true],
      [2, false],
    ])
    const deleted = await admin(`/v1/sites/${site.id}/rules/${rule.id}`, { method: 'DELETE' })
    expect(deleted.status).toBe(200)
    await expectError(await admin(`/v1/sites/${site.id}/rules/${rule.id}`), 404, 'not_found')
  })
})

describe('backtests', () => {
  it('say what a rule, or a change to one, would have done on recorded deliveries, starting nothing', async () => {
    const { site, task, fire, createRule } = await siteForRules()
    const since = new Date(Date.now() - 1000).toISOString()
    await fire({ instance: 'web-1:9100' })
    await fire({ instance: 'web-1:9100' })
    await fire({ instance: 'db-3', severity: 'warning' })
    await fire({ instance: 'web-1:9100' }, '2026-12-06T09:00:00Z', 'resolved')
    await fire({ instance: 'web-1:9100' }, '2026-12-06T09:40:00Z')
    const until = new Date(Date.now() + 1000).toISOString()

    const backtest = async (json: Record<string, unknown>) => {
      const response = await admin(`/v1/sites/${site.id}/rules/backtest`, { method: 'POST', json })
      expect(response.status).toBe(200)
      return (await response.json()) as BacktestResult
    }
    const result = await backtest({
      rule: { ...restartRule(task), throttle: { fingerprint_seconds: 0 } },
      since,
      until,
    })
    expect(result).toMatchObject({
      deliveries: 5,
      unreadable: 0,
      truncated: false,
      transitions: 4,
      would_start: 2,
    })
    expect(result.matches.map((m) => [m.transition, m.episode, m.outcome, m.run?.agents ?? m.error])).toEqual(
      [
        ['fired', 1, 'would_start', 1],
        ['refired', 2, 'would_start', 1],
      ],
    )
    expect(result.matches[0]?.run).toMatchObject({
      task_id: task.id,
      params: { reason: 'web is down on web-1:9100' },
      target: { hostname: 'web-1' },
    })

    // The same rule as saved (default throttle of 300 s per series) holds the second run back.
    const rule = await createRule({ ...restartRule(task), enabled: false })
    const saved = await backtest({ rule_id: rule.id, since, until })
    expect(saved.matches.map((m) => m.outcome)).toEqual(['would_start', 'throttled'])
    const changed = await backtest({
      rule_id: rule.id,
      changes: { expression: 'alert.severity == "warning"' },
      since,
      until,
    })
    expect(changed.matches.map((m) => [m.name, m.outcome, m.error?.split(':')[0] ?? null])).toEqual([
      ['WebDown', 'failed', 'no_targets'],
    ])
    expect(((await (await admin(`/v1/sites/${site.id}/runs`)).json()) as Page<Run>).items).toEqual([])
    await expectError(
      await admin(`/v1/sites/${site.id}/rules/backtest`, {
        method: 'POST',
        json: { rule_id: rule.id, since: until, until: since },
      }),
      400,
      'validation_failed',
    )
  })
})

describe('notifications', () => {
  afterEach(() => vi.useRealTimers())

  it('are tried again with backoff when the endpoint cannot be reached, then given up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { site, fire, createRule, triggers } = await siteForRules()
    const rule = await createRule({
      name: 'tell the channel',
      expression: 'true',
      action: { kind: 'notify', url: 'http://127.0.0.1:9/hooks', format: 'slack' },
    })
    await fire({ instance: 'web-1' })
    const object = env.SITE.get(env.SITE.idFromName(site.id))
    const alarm = () => runInDurableObject(object, (instance: SiteObject) => instance.alarm())
    await alarm()
    expect((await triggers(`rules/${rule.id}`))[0]).toMatchObject({
      outcome: 'notifying',
      error: expect.any(String),
    })
    for (const wait of [10_000, 60_000, 300_000, 1_800_000]) {
      vi.setSystemTime(Date.now() + wait)
      await alarm()
    }
    const [trigger] = await triggers(`rules/${rule.id}`)
    expect(trigger).toMatchObject({ outcome: 'failed', error: expect.any(String) })
    const [alert] = await alertsOf(site)
    const history = (await (await admin(`/v1/sites/${site.id}/alerts/${alert?.id}/history`)).json()) as {
      items: { type: string; data: { attempt?: number } }[]
    }
    expect(
      history.items.filter((e) => e.type === 'io.sitewire.rule.notified').map((e) => e.data.attempt),
    ).toEqual([1, 2, 3, 4, 5])
  })

  it('keep the URL (a credential) out of the log and every answer, post to it, and keep it when an edit gives it back masked', async () => {
    const secretUrl = 'https://hooks.slack.com/services/T0001/B0001/secretpath0001'
    const posted: string[] = []
    const realFetch = globalThis.fetch
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input)
      if (!url.startsWith('https://hooks.slack.com/')) return realFetch(input, init)
      posted.push(url)
      return new Response('ok')
    })
    try {
      const { site, fire, createRule } = await siteForRules()
      const rule = await createRule({
        name: 'tell the channel',
        expression: 'true',
        action: { kind: 'notify', url: secretUrl, format: 'slack' },
      })
      expect(rule.action).toMatchObject({ kind: 'notify', url: 'https://hooks.slack.com/…' })
      const object = env.SITE.get(env.SITE.idFromName(site.id))
      const alarm = () => runInDurableObject(object, (instance: SiteObject) => instance.alarm())
      await fire({ instance: 'web-1' })
      await alarm()
      expect(posted).toEqual([secretUrl])

      // An edit that shows the rule as it was answered (URL masked) keeps the URL; a new URL replaces it.
      const edited = await admin(`/v1/sites/${site.id}/rules/${rule.id}`, {
        method: 'PATCH',
        json: { name: 'tell the channel, renamed', action: rule.action },
      })
      expect(edited.status).toBe(200)
      expect(((await edited.json()) as Rule).version).toBe(2)
      await fire({ instance: 'web-2' })
      await alarm()
      expect(posted).toEqual([secretUrl, secretUrl])
      const newUrl = 'https://hooks.slack.com/services/T0001/B0002/secretpath0002'
      await admin(`/v1/sites/${site.id}/rules/${rule.id}`, {
        method: 'PATCH',
        json: { action: { kind: 'notify', url: newUrl, format: 'slack' } },
      })
      await fire({ instance: 'web-3' })
      await alarm()
      expect(posted).toEqual([secretUrl, secretUrl, newUrl])

      const everything = [
        await (await admin(`/v1/sites/${site.id}/events?limit=1000`)).text(),
        await (await admin(`/v1/sites/${site.id}/rules/${rule.id}`)).text(),
        await (await admin(`/v1/sites/${site.id}/rules/${rule.id}/versions`)).text(),
        await (await admin(`/v1/sites/${site.id}/rules/${rule.id}/triggers`)).text(),
      ].join('\n')
      expect(everything).toContain('https://hooks.slack.com/…')
      expect(everything).not.toContain('secretpath')
    } finally {
      vi.restoreAllMocks()
    }
  })

  it('refuse a URL that is not http(s)', async () => {
    const { site } = await siteForRules()
    await expectError(
      await admin(`/v1/sites/${site.id}/rules`, {
        method: 'POST',
        json: { name: 'x', expression: 'true', action: { kind: 'notify', url: 'file:///etc/passwd' } },
      }),
      400,
      'validation_failed',
    )
  })
})
