import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Alert, IntegrationWithSecret } from '../../schema/api/alerts'
import type { RuleTrigger } from '../../schema/api/rules'
import type { RunDetail } from '../../schema/api/runs'
import type { Task } from '../../schema/api/tasks'
import type { Page } from '../../worker/lib/paging'
import { type RunningPlatform, startPlatform, testPort } from '../platform-process'
import { runAgent, until } from './agent-process'
import { describeWithAlertmanager, type RunningAlertmanager, startAlertmanager } from './alertmanager-process'

/**
 * The real Prometheus Alertmanager posts to the platform as `npm start` runs it; a rule runs a
 * task on a real agent on the host the alert names.
 */
describeWithAlertmanager('alerts from the real Alertmanager', () => {
  let dataDir: string
  let stateDir: string
  let workDir: string
  let platform: RunningPlatform
  let alertmanager: RunningAlertmanager
  let agent: ChildProcess
  let key: string
  let siteId: string
  /** A stand-in for a Slack incoming webhook: it keeps what it is sent. */
  let slack: Server
  const slackMessages: unknown[] = []

  const api = async <T>(path: string, init: RequestInit & { json?: unknown } = {}) => {
    const response = await fetch(`${platform.url}${path}`, {
      ...init,
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as T }
  }

  const alerts = async () => (await api<Page<Alert>>(`/v1/sites/${siteId}/alerts`)).body.items

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sitewire-alerts-e2e-'))
    stateDir = await mkdtemp(join(tmpdir(), 'sitewire-alerts-agent-'))
    workDir = await mkdtemp(join(tmpdir(), 'sitewire-alerts-work-'))
    platform = await startPlatform({ dataDir, port: testPort(29) })
    key = platform.adminKey ?? ''
    siteId = (await api<{ id: string }>('/v1/sites', { method: 'POST', json: { name: 'alerts e2e' } })).body
      .id
    const { body: token } = await api<{ token: string }>(`/v1/sites/${siteId}/enrolment-tokens`, {
      method: 'POST',
      json: { max_uses: 1 },
    })
    expect(await runAgent(['enrol', token.token, '--state-dir', stateDir]).exited).toBe(0)
    agent = runAgent(['run', '--state-dir', stateDir]).child
    slack = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        slackMessages.push(JSON.parse(body))
        response.end('ok')
      })
    }).listen(0, '127.0.0.1')
    await once(slack, 'listening')
    await until('the agent online', async () => {
      const { body } = await api<{ items: unknown[] }>(`/v1/sites/${siteId}/agents?presence=online`)
      return body.items.length === 1 ? true : undefined
    })
  }, 180_000)

  afterAll(async () => {
    agent?.kill('SIGKILL')
    slack?.close()
    await alertmanager?.stop()
    await platform?.kill()
    for (const dir of [dataDir, stateDir, workDir]) await rm(dir, { recursive: true, force: true })
  })

  it('deduplicates and resolves what Alertmanager sends, and a rule repairs the host it names', async () => {
    const { body: integration } = await api<IntegrationWithSecret & { secret: string }>(
      `/v1/sites/${siteId}/integrations`,
      { method: 'POST', json: { name: 'prometheus', settings: { kind: 'alertmanager' } } },
    )
    const marker = join(workDir, 'restarted')
    const { body: task } = await api<Task>(`/v1/sites/${siteId}/tasks`, {
      method: 'POST',
      json: {
        name: 'restart web',
        params: [{ name: 'reason', type: 'string', required: true }],
        steps: [{ kind: 'script', interpreter: 'bash', body: `echo "{{ params.reason }}" > ${marker}` }],
      },
    })
    const { body: rule } = await api<{ id: string }>(`/v1/sites/${siteId}/rules`, {
      method: 'POST',
      json: {
        name: 'restart web when it is down',
        expression: 'alert.name == "WebDown" && alert.labels.service == "web"',
        action: {
          kind: 'run_task',
          task_id: task.id,
          params: { reason: '{{ alert.summary }}' },
          target_label: 'instance',
        },
      },
    })

    const address = slack.address()
    const slackUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/services/T0/B0/x`
    const { status: notifyStatus } = await api(`/v1/sites/${siteId}/rules`, {
      method: 'POST',
      json: {
        name: 'tell the channel',
        expression: 'alert.severity == "critical"',
        on: ['fired', 'resolved'],
        throttle: { fingerprint_seconds: 0 },
        action: {
          kind: 'notify',
          url: slackUrl,
          format: 'slack',
          text: '{{ transition }}: {{ alert.name }} on {{ alert.labels.instance }}',
        },
      },
    })
    expect(notifyStatus).toBe(201)

    alertmanager = await startAlertmanager({
      url: `${platform.url}${integration.hook_path}`,
      token: integration.secret,
    })
    const labels = {
      alertname: 'WebDown',
      service: 'web',
      severity: 'critical',
      instance: `${hostname()}:9100`,
    }
    await alertmanager.fire(labels, { summary: 'web answers 502' })

    const [trigger] = await until('the rule to start a run', async () => {
      const items = (await api<Page<RuleTrigger>>(`/v1/sites/${siteId}/rules/${rule.id}/triggers`)).body.items
      return items.length > 0 ? items : undefined
    })
    expect(trigger).toMatchObject({ outcome: 'started', transition: 'fired', episode: 1 })
    const run = await until(
      'the run to finish',
      async () => {
        const { body } = await api<RunDetail>(`/v1/sites/${siteId}/runs/${trigger?.run_id}`)
        return body.status === 'succeeded' || body.status === 'failed' ? body : undefined
      },
      60_000,
    )
    expect(run.status).toBe('succeeded')
    expect(run.trigger).toMatchObject({ kind: 'rule', rule_id: rule.id, alert_id: trigger?.alert_id })
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe('web answers 502\n')

    // Alertmanager sends the group again on each change: still one alert, one episode, one run.
    await alertmanager.fire({ ...labels, instance: 'other-host:9100' }, { summary: 'web answers 502' })
    await until('the second alert of the group', async () =>
      (await alerts()).length === 2 ? true : undefined,
    )
    const [first] = (await alerts()).filter((a) => a.labels.instance === labels.instance)
    expect(first).toMatchObject({
      status: 'firing',
      episode: 1,
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    })
    expect(first?.receive_count).toBeGreaterThanOrEqual(2)

    await alertmanager.resolve(labels)
    const resolved = await until('the alert to resolve', async () => {
      const found = (await alerts()).find((a) => a.labels.instance === labels.instance)
      return found?.status === 'resolved' ? found : undefined
    })
    expect(resolved).toMatchObject({ resolve_reason: 'sender', episode: 1 })
    const triggers = (await api<Page<RuleTrigger>>(`/v1/sites/${siteId}/rules/${rule.id}/triggers`)).body
      .items
    // The channel heard each transition, once, as Slack would show it.
    const expected = [
      { text: `fired: WebDown on ${labels.instance}` },
      { text: 'fired: WebDown on other-host:9100' },
      { text: `resolved: WebDown on ${labels.instance}` },
    ]
    await until('the channel to hear of each transition', async () =>
      slackMessages.length >= 3 ? true : undefined,
    )
    expect(slackMessages).toEqual(expected)
    // The other host has no agent: the rule says so instead of starting anything.
    expect(triggers.map((t) => [t.outcome, t.error?.split(':')[0] ?? null])).toEqual([
      ['failed', 'no_targets'],
      ['started', null],
    ])
  }, 120_000)
})
