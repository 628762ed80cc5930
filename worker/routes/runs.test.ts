import { env, runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Run, RunDetail } from '../../schema/api/runs'
import type { Site } from '../../schema/api/sites'
import type { Task } from '../../schema/api/tasks'
import type { LoggedEvent } from '../../schema/events'
import { newAgent } from '../../test/worker-agents'
import { connectAgent, script } from '../../test/worker-runs'
import { type Client, createSite, eventually, expectError, newTenant } from '../../test/worker-support'
import { LOST_GRACE_MS } from '../runs/run-agent-rules'
import type { SiteObject } from '../site-object/site-object'

let admin: Client
let other: Client

beforeAll(async () => {
  admin = (await newTenant()).client
  other = (await newTenant()).client
})

const newTask = async (site: Site, json: Record<string, unknown>) => {
  const response = await admin(`/v1/sites/${site.id}/tasks`, { method: 'POST', json })
  expect(response.status).toBe(201)
  return (await response.json()) as Task
}

const runTask = async (site: Site, task: Task, json: Record<string, unknown>) => {
  const response = await admin(`/v1/sites/${site.id}/tasks/${task.id}/runs`, { method: 'POST', json })
  expect(response.status).toBe(202)
  return (await response.json()) as Run
}

const runOf = async (site: Site, runId: string) =>
  (await (await admin(`/v1/sites/${site.id}/runs/${runId}`)).json()) as RunDetail

const finishedRun = (site: Site, runId: string) =>
  eventually(async () => {
    const run = await runOf(site, runId)
    return ['succeeded', 'failed', 'cancelled', 'skipped'].includes(run.status) ? run : undefined
  })

const runEvents = async (site: Site, runId: string) =>
  (
    (await (await admin(`/v1/sites/${site.id}/events?limit=1000`)).json()) as { items: LoggedEvent[] }
  ).items.filter((e) => (e.data as { run_id?: string } | undefined)?.run_id === runId)

const siteWithAgents = async (count: number, labels: (i: number) => Record<string, string> = () => ({})) => {
  const site = await createSite(admin, 'runs')
  const token = (await (
    await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: count } })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const agents = []
  for (let i = 0; i < count; i++) agents.push(await connectAgent(site, token.token, labels(i)))
  return { site, agents }
}

describe('tasks', () => {
  it('are versioned on each edit, searchable, clonable and deletable', async () => {
    const site = await createSite(admin, 'tasks')
    const task = await newTask(site, {
      name: 'Deploy web',
      labels: { team: 'web' },
      params: [{ name: 'version', type: 'string', required: true }],
      steps: [script('echo deploying {{ params.version }}')],
    })
    expect(task).toMatchObject({ version: 1, name: 'Deploy web', concurrency: 'queue' })
    expect(task.steps[0]).toMatchObject({ kind: 'script', interpreter: 'sh', timeout_seconds: 3600 })

    const edited = await admin(`/v1/sites/${site.id}/tasks/${task.id}`, {
      method: 'PUT',
      json: { name: 'Deploy web app', labels: { team: 'web' }, steps: [script('echo v2')] },
    })
    expect(edited.status).toBe(200)
    expect(await edited.json()).toMatchObject({ id: task.id, version: 2, name: 'Deploy web app' })
    const versions = (await (await admin(`/v1/sites/${site.id}/tasks/${task.id}/versions`)).json()) as {
      items: { version: number; definition: { name: string } }[]
    }
    expect(versions.items.map((v) => [v.version, v.definition.name])).toEqual([
      [2, 'Deploy web app'],
      [1, 'Deploy web'],
    ])

    await newTask(site, { name: 'Rotate logs', labels: { team: 'ops' }, steps: [script('logrotate')] })
    const search = async (query: string) =>
      ((await (await admin(`/v1/sites/${site.id}/tasks?${query}`)).json()) as { items: Task[] }).items.map(
        (t) => t.name,
      )
    expect(await search('q=web')).toEqual(['Deploy web app'])
    expect(await search('label=team=ops')).toEqual(['Rotate logs'])

    const clone = await admin(`/v1/sites/${site.id}/tasks/${task.id}/clone`, { method: 'POST', json: {} })
    expect(clone.status).toBe(201)
    expect(await clone.json()).toMatchObject({ name: 'Deploy web app (copy)', version: 1 })

    expect((await admin(`/v1/sites/${site.id}/tasks/${task.id}`, { method: 'DELETE' })).status).toBe(200)
    await expectError(await admin(`/v1/sites/${site.id}/tasks/${task.id}`), 404, 'not_found')
    expect(await search('q=deploy')).toEqual(['Deploy web app (copy)'])
  })

  it('refuse bad definitions, unknown ids and other tenants, changing nothing', async () => {
    const site = await createSite(admin, 'bad tasks')
    const task = await newTask(site, { name: 'ok', steps: [script('true')] })
    const head = async () =>
      ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq
    const before = await head()
    const post = (json: unknown) => admin(`/v1/sites/${site.id}/tasks`, { method: 'POST', json })
    await expectError(await post({ name: 'x', steps: [] }), 400, 'validation_failed')
    await expectError(await post({ name: 'x', steps: [{ kind: 'script' }] }), 400, 'validation_failed')
    await expectError(
      await post({ name: 'x', steps: [script('true', { interpreter: 'cobol' })] }),
      400,
      'validation_failed',
    )
    await expectError(
      await post({ name: 'x', steps: [script('true', { timeout_seconds: 0 })] }),
      400,
      'validation_failed',
    )
    await expectError(
      await post({ name: 'x', steps: [{ kind: 'http', url: 'ftp://nope' }] }),
      400,
      'validation_failed',
    )
    await expectError(
      await post({
        name: 'x',
        params: [
          { name: 'a', type: 'string' },
          { name: 'a', type: 'number' },
        ],
        steps: [script('true')],
      }),
      400,
      'validation_failed',
    )
    await expectError(await post({ name: 'x', steps: [script('true')], extra: 1 }), 400, 'validation_failed')
    await expectError(
      await admin(`/v1/sites/${site.id}/tasks`, {
        method: 'POST',
        body: '{"name":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'malformed_json',
    )
    await expectError(
      await admin(`/v1/sites/${site.id}/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV`, {
        method: 'PUT',
        json: { name: 'x', steps: [script('true')] },
      }),
      404,
      'not_found',
    )
    await expectError(await other(`/v1/sites/${site.id}/tasks/${task.id}`), 404, 'not_found')
    await expectError(
      await other(`/v1/sites/${site.id}/tasks/${task.id}`, {
        method: 'PUT',
        json: { name: 'x', steps: [script('true')] },
      }),
      404,
      'not_found',
    )
    expect(await head()).toBe(before)
  })
})

describe('runs', () => {
  it('dispatch each step in order, record outcomes and previews, and finish', async () => {
    const { site, agents } = await siteWithAgents(2)
    const task = await newTask(site, {
      name: 'two steps',
      params: [{ name: 'who', type: 'string', default: 'world' }],
      steps: [script('echo hello {{ params.who }}', { name: 'greet' }), script('exit 3', { name: 'fail' })],
    })
    const run = await runTask(site, task, {
      target: { agent_ids: agents.map((a) => a.agentId) },
      params: { who: 'ops' },
    })
    expect(run).toMatchObject({
      status: 'requested',
      task_version: 1,
      params: { who: 'ops' },
      trigger: { kind: 'api' },
    })

    for (const agent of agents) {
      const first = await agent.nextStep(1)
      expect(first).toMatchObject({ run_id: run.id, index: 0, attempt: 1, step: { body: 'echo hello ops' } })
      await agent.finish(first, 'succeeded', 0, ['hello ops'])
    }
    const [a, b] = agents as [(typeof agents)[0], (typeof agents)[0]]
    const second = await a.nextStep(2)
    expect(second).toMatchObject({ index: 1, attempt: 1, step: { body: 'exit 3' } })
    await a.finish(second, 'succeeded', 0)
    await b.finish(await b.nextStep(2), 'failed', 3, ['boom'])

    const done = await finishedRun(site, run.id)
    expect(done.status).toBe('failed')
    expect(done.reason).toBe('1 of 2 agent(s) failed')
    expect(done.agents).toMatchObject({ succeeded: 1, failed: 1, waiting: 0, running: 0 })
    const failed = done.steps.find((s) => s.agent_id === b.agentId && s.index === 1)
    expect(failed).toMatchObject({ name: 'fail', outcome: 'failed', exit_code: 3, lines: 1, bytes: 4 })
    expect(failed?.head.map((l) => l.text)).toEqual(['boom'])
    expect(done.steps.filter((s) => s.index === 0).map((s) => s.head[0]?.text)).toEqual([
      'hello ops',
      'hello ops',
    ])

    // Archiving follows the end on its own time (see run-archive.test.ts).
    await eventually(async () => ((await runOf(site, run.id)).archive ? true : undefined))
    const types = (await runEvents(site, run.id)).map((e) => e.type)
    expect(types.filter((t) => t.startsWith('io.sitewire.run.'))).toEqual([
      'io.sitewire.run.requested',
      'io.sitewire.run.dispatched',
      'io.sitewire.run.collecting',
      'io.sitewire.run.finished',
      'io.sitewire.run.archived',
    ])
    expect(types.filter((t) => t === 'io.sitewire.step.dispatched')).toHaveLength(4)
    for (const agent of agents) agent.conn.socket.close()
  })

  it('keep the first and last 20 lines of a step as its preview, and count every line and byte', async () => {
    const { site, agents } = await siteWithAgents(1)
    const [agent] = agents as [(typeof agents)[0]]
    const task = await newTask(site, { name: 'chatty', steps: [script('seq 1 58')] })
    const run = await runTask(site, task, { target: { agent_ids: [agent.agentId] } })
    const step = await agent.nextStep(1)
    const ref = { run_id: step.run_id, index: step.index, attempt: step.attempt }
    const texts = Array.from({ length: 58 }, (_, n) => `${n + 1} é`)
    const at = new Date().toISOString()
    // Chunks of 25, 3 and 30 lines: the head fills across chunks, the tail keeps the latest.
    for (const [chunk, [from, to]] of [
      [0, 25],
      [25, 28],
      [28, 58],
    ].entries())
      await agent.send(
        agent.frame('io.sitewire.step.output', {
          ...ref,
          chunk,
          lines: texts.slice(from, to).map((text) => ({ at, stream: 'stdout', text })),
        }),
      )
    await agent.finish(step, 'succeeded', 0)
    const done = await finishedRun(site, run.id)
    const [preview] = done.steps
    expect(preview?.head.map((l) => l.text)).toEqual(texts.slice(0, 20))
    expect(preview?.tail.map((l) => l.text)).toEqual(texts.slice(-20))
    expect(preview).toMatchObject({ lines: 58, bytes: new TextEncoder().encode(texts.join('')).length })
  })

  it('retry a failed step with backoff, and stop at the first failure when asked', async () => {
    const { site, agents } = await siteWithAgents(3)
    const task = await newTask(site, {
      name: 'flaky',
      steps: [script('flaky', { retries: { max: 1, backoff_seconds: 1 } })],
    })
    const run = await runTask(site, task, {
      target: { agent_ids: agents.map((a) => a.agentId) },
      strategy: { mode: 'rolling', batch: 1 },
      failure: { policy: 'stop' },
    })
    const [first] = agents as [(typeof agents)[0]]
    await first.finish(await first.nextStep(1), 'failed', 1)
    const retry = await eventually(
      async () => (first.steps().length >= 2 ? first.steps()[1] : undefined),
      5000,
    )
    expect(retry).toMatchObject({ index: 0, attempt: 2 })
    await first.finish(retry, 'failed', 1)
    const done = await finishedRun(site, run.id)
    expect(done.status).toBe('failed')
    expect(done.reason).toBe('stopped after 1 failed agent(s); 2 not started')
    expect(done.agents).toMatchObject({ failed: 1, skipped: 2 })
    for (const agent of agents.slice(1)) expect(agent.steps()).toEqual([])
    for (const agent of agents) agent.conn.socket.close()
  })

  it('are cancelled: running agents are told to stop, the rest never start', async () => {
    const { site, agents } = await siteWithAgents(2)
    const task = await newTask(site, { name: 'slow', steps: [script('sleep 100')] })
    const run = await runTask(site, task, {
      target: { agent_ids: agents.map((a) => a.agentId) },
      strategy: { mode: 'parallel', concurrency: 1 },
    })
    const [first, second] = agents as [(typeof agents)[0], (typeof agents)[0]]
    const step = await first.nextStep(1)
    const cancelled = await admin(`/v1/sites/${site.id}/runs/${run.id}/cancel`, { method: 'POST' })
    expect(cancelled.status).toBe(202)
    expect(await cancelled.json()).toMatchObject({ cancel_requested: true })
    expect(await first.conn.next((m) => typeof m !== 'string' && m.type === 'cancel')).toEqual({
      type: 'cancel',
      run_id: run.id,
    })
    await first.finish(step, 'cancelled', null)
    const done = await finishedRun(site, run.id)
    expect(done.status).toBe('cancelled')
    expect(done.agents).toMatchObject({ cancelled: 1, skipped: 1 })
    expect(second.steps()).toEqual([])
    for (const agent of agents) agent.conn.socket.close()
  })

  it('queue behind a running run of the same task, or skip, by the task’s policy', async () => {
    const { site, agents } = await siteWithAgents(1)
    const [agent] = agents as [(typeof agents)[0]]
    const target = { agent_ids: [agent.agentId] }
    const queued = await newTask(site, { name: 'queued', steps: [script('true')] })
    const first = await runTask(site, queued, { target })
    const second = await runTask(site, queued, { target })
    expect((await runOf(site, second.id)).status).toBe('queued')
    const listed = (await (await admin(`/v1/sites/${site.id}/runs?status=queued`)).json()) as { items: Run[] }
    expect(listed.items.map((r) => r.id)).toEqual([second.id])
    await agent.finish(await agent.nextStep(1), 'succeeded', 0)
    expect((await finishedRun(site, first.id)).status).toBe('succeeded')
    const next = await agent.nextStep(2)
    expect(next.run_id).toBe(second.id)
    await agent.finish(next, 'succeeded', 0)
    expect((await finishedRun(site, second.id)).status).toBe('succeeded')

    const skipping = await newTask(site, { name: 'skipping', concurrency: 'skip', steps: [script('true')] })
    const going = await runTask(site, skipping, { target })
    const skipped = await runTask(site, skipping, { target })
    expect(await finishedRun(site, skipped.id)).toMatchObject({
      status: 'skipped',
      reason: 'a run of this task was still going',
    })
    await agent.finish(await agent.nextStep(3), 'succeeded', 0)
    expect((await finishedRun(site, going.id)).status).toBe('succeeded')
    agent.conn.socket.close()
  })

  it('mark a step lost when its agent stays away, and run again on the failed agents only', async () => {
    const { site, agents } = await siteWithAgents(2)
    const [stays, leaves] = agents as [(typeof agents)[0], (typeof agents)[0]]
    const task = await newTask(site, { name: 'long', steps: [script('sleep 5')] })
    const run = await runTask(site, task, { target: { agent_ids: agents.map((a) => a.agentId) } })
    await stays.finish(await stays.nextStep(1), 'succeeded', 0)
    await leaves.nextStep(1)
    leaves.conn.socket.close()
    const stub = env.SITE.get(env.SITE.idFromName(site.id))
    // The grace the agent had to come back is over: the alarm finds the step overdue.
    await eventually(async () =>
      runInDurableObject(stub, (_instance, state) => {
        const rows = state.storage.sql
          .exec<{ n: number }>(
            'SELECT count(*) AS n FROM run_agents WHERE agent_id = ? AND due_at < 1e15',
            leaves.agentId,
          )
          .one()
        return rows.n === 1 ? true : undefined
      }),
    )
    // Time passes beyond that grace (the test shares its clock with the object), and the alarm fires.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + LOST_GRACE_MS + 1_000 })
    try {
      await runInDurableObject(stub, (instance: SiteObject) => instance.alarm())
    } finally {
      vi.useRealTimers()
    }
    const done = await finishedRun(site, run.id)
    expect(done.status).toBe('failed')
    expect(done.steps.find((s) => s.agent_id === leaves.agentId)).toMatchObject({
      outcome: 'lost',
      message: 'the agent went away during the step and did not come back in time',
    })

    const again = await admin(`/v1/sites/${site.id}/runs/${run.id}/rerun`, { method: 'POST', json: {} })
    expect(again.status).toBe(202)
    const rerun = (await again.json()) as Run
    expect(rerun.trigger).toEqual({ kind: 'rerun', run_id: run.id })
    const detail = await runOf(site, rerun.id)
    expect(detail.targets.map((t) => t.agent_id)).toEqual([leaves.agentId])
    stays.conn.socket.close()
  })

  it('target hundreds of agents by id: each is a target, none bound past SQLite’s limits', async () => {
    const site = await createSite(admin, 'many')
    const token = (await (
      await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: 150 } })
    ).json()) as CreatedEnrolmentToken & { token: string }
    const ids = await Promise.all(
      Array.from({ length: 150 }, async () => {
        const enrolled = await (await newAgent()).enrol(token.token)
        return ((await enrolled.json()) as { agent_id: string }).agent_id
      }),
    )
    const task = await newTask(site, { name: 'wide', steps: [script('true')] })
    const run = await runTask(site, task, { target: { agent_ids: ids } })
    const detail = await runOf(site, run.id)
    expect(detail.targets).toHaveLength(150)
    expect(new Set(detail.targets.map((t) => t.agent_id))).toEqual(new Set(ids))
    // None is connected: none is sent work; each waits for its agent to connect.
    expect(detail.agents).toMatchObject({ running: 0, waiting: 150 })
    expect((await admin(`/v1/sites/${site.id}/runs/${run.id}/cancel`, { method: 'POST' })).status).toBe(202)
  })

  it('refuse bad requests with the documented errors and store nothing', async () => {
    const { site, agents } = await siteWithAgents(1, () => ({ role: 'web' }))
    const [agent] = agents as [(typeof agents)[0]]
    const task = await newTask(site, {
      name: 'params',
      params: [
        { name: 'count', type: 'number', required: true },
        { name: 'mode', type: 'string', choices: ['fast', 'safe'], default: 'safe' },
      ],
      steps: [script('echo {{ params.count }} {{ params.mode }}')],
    })
    const head = async () =>
      ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq
    const before = await head()
    const request = (json: unknown) =>
      admin(`/v1/sites/${site.id}/tasks/${task.id}/runs`, { method: 'POST', json })
    const target = { labels: { role: 'web' } }
    const invalid = await expectError(
      await request({ target, params: { count: 'x', extra: 1, mode: 'slow' } }),
      422,
      'invalid_params',
    )
    expect(invalid.error.details).toEqual([
      { param: 'extra', message: 'the task has no such parameter' },
      { param: 'count', message: 'must be a number' },
      { param: 'mode', message: 'must be one of fast, safe' },
    ])
    await expectError(await request({ target }), 422, 'invalid_params')
    await expectError(
      await request({ target: { labels: { role: 'db' } }, params: { count: 1 } }),
      422,
      'no_targets',
    )
    await expectError(await request({ target: {}, params: { count: 1 } }), 400, 'validation_failed')
    await expectError(await request({ target, params: { count: 1 }, from_step: 5 }), 422, 'invalid_step')
    await expectError(
      await request({ target, params: { count: 1 }, strategy: { mode: 'rolling', batch: '150%' } }),
      400,
      'validation_failed',
    )
    await expectError(
      await admin(`/v1/sites/${site.id}/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/runs`, {
        method: 'POST',
        json: { target },
      }),
      404,
      'not_found',
    )
    await expectError(
      await other(`/v1/sites/${site.id}/tasks/${task.id}/runs`, {
        method: 'POST',
        json: { target, params: { count: 1 } },
      }),
      404,
      'not_found',
    )
    await expectError(await admin(`/v1/sites/${site.id}/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV`), 404, 'not_found')
    expect(await head()).toBe(before)

    const preview = await admin(`/v1/sites/${site.id}/targets/preview`, { method: 'POST', json: { target } })
    expect(await preview.json()).toMatchObject({
      count: 1,
      items: [{ id: agent.agentId, presence: 'online' }],
    })
    agent.conn.socket.close()
  })

  it('refuse step events from agents that are not targets of the run', async () => {
    const { site, agents } = await siteWithAgents(2)
    const [target, outsider] = agents as [(typeof agents)[0], (typeof agents)[0]]
    const task = await newTask(site, { name: 'one', steps: [script('true')] })
    const run = await runTask(site, task, { target: { agent_ids: [target.agentId] } })
    const step = await target.nextStep(1)
    const forged = outsider.frame('io.sitewire.step.finished', {
      run_id: run.id,
      index: 0,
      attempt: 1,
      outcome: 'succeeded',
      exit_code: 0,
      signal: null,
      duration_ms: 1,
      message: null,
    })
    outsider.conn.socket.send(JSON.stringify(forged))
    const error = await outsider.conn.next((m) => typeof m !== 'string' && m.type === 'error')
    expect(error).toMatchObject({ type: 'error', code: 'unknown_run', event_id: forged.id, retryable: false })
    expect((await runOf(site, run.id)).status).not.toBe('succeeded')
    await target.finish(step, 'succeeded', 0)
    expect((await finishedRun(site, run.id)).status).toBe('succeeded')
    for (const agent of agents) agent.conn.socket.close()
  })
})
