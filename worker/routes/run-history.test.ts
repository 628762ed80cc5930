import { env } from 'cloudflare:test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Run, RunDetail, RunRecord, StepRecord } from '../../schema/api/runs'
import type { Site, SiteStatus } from '../../schema/api/sites'
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
import { openProjections } from '../projections/database'

type Agent = Awaited<ReturnType<typeof connectAgent>>

let tenant: Awaited<ReturnType<typeof newTenant>>
let admin: Client
let siteA: Site
let siteB: Site
let a1: Agent
let a2: Agent
let b1: Agent
/** R1 deploy on a1 and a2 (a2 fails its second step), R2 check on B, R3 ping on a1, R4 re-runs R1 on a2. */
let runs: { r1: Run; r2: Run; r3: Run; r4: Run }
let deploy: Task

const agentsOf = async (site: Site, count: number) => {
  const token = (await (
    await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: { max_uses: count } })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const agents: Agent[] = []
  for (let i = 0; i < count; i++) agents.push(await connectAgent(site, token.token))
  return agents
}

const newTask = async (site: Site, name: string, steps: unknown[]) => {
  const response = await admin(`/v1/sites/${site.id}/tasks`, { method: 'POST', json: { name, steps } })
  expect(response.status).toBe(201)
  return (await response.json()) as Task
}

const runTask = async (site: Site, task: Task, agents: Agent[]) => {
  const response = await admin(`/v1/sites/${site.id}/tasks/${task.id}/runs`, {
    method: 'POST',
    json: { target: { agent_ids: agents.map((a) => a.agentId) } },
  })
  expect(response.status).toBe(202)
  return (await response.json()) as Run
}

/** The run as its site object tells it, once it has ended. */
const endedRun = (site: Site, runId: string) =>
  eventually(async () => {
    const run = (await (await admin(`/v1/sites/${site.id}/runs/${runId}`)).json()) as RunDetail
    return run.finished_at ? run : undefined
  })

const page = async <T>(path: string, as: Client = admin) => {
  const response = await as(path)
  expect(response.status).toBe(200)
  return (await response.json()) as Page<T>
}
const runIds = async (query: string, as: Client = admin) =>
  (await page<RunRecord>(`/v1/runs?${query}`, as)).items.map((r) => r.id)
const stepKeys = async (query: string, as: Client = admin) =>
  (await page<StepRecord>(`/v1/runs/steps?${query}`, as)).items.map(
    (s) => `${s.run_id}/${s.agent_id}/${s.index}/${s.attempt}`,
  )

beforeAll(async () => {
  tenant = await newTenant()
  admin = tenant.client
  siteA = await createSite(admin, 'history a')
  siteB = await createSite(admin, 'history b')
  ;[a1, a2] = (await agentsOf(siteA, 2)) as [Agent, Agent]
  ;[b1] = (await agentsOf(siteB, 1)) as [Agent]

  deploy = await newTask(siteA, 'deploy', [script('echo up', { name: 'up' }), script('exit 3')])
  const r1 = await runTask(siteA, deploy, [a1, a2])
  for (const agent of [a1, a2]) await agent.finish(await agent.nextStep(1), 'succeeded', 0, ['up'])
  await a1.finish(await a1.nextStep(2), 'succeeded', 0)
  await a2.finish(await a2.nextStep(2), 'failed', 3, ['boom'])
  await endedRun(siteA, r1.id)

  const r2 = await runTask(siteB, await newTask(siteB, 'check', [script('true')]), [b1])
  await b1.finish(await b1.nextStep(1), 'succeeded', 0)
  await endedRun(siteB, r2.id)

  const r3 = await runTask(siteA, await newTask(siteA, 'ping', [script('true')]), [a1])
  await a1.finish(await a1.nextStep(3), 'succeeded', 0)
  await endedRun(siteA, r3.id)

  const rerun = await admin(`/v1/sites/${siteA.id}/runs/${r1.id}/rerun`, { method: 'POST', json: {} })
  expect(rerun.status).toBe(202)
  const r4 = (await rerun.json()) as Run
  await a2.finish(await a2.nextStep(3), 'succeeded', 0)
  await a2.finish(await a2.nextStep(4), 'succeeded', 0)
  await endedRun(siteA, r4.id)
  runs = { r1, r2, r3, r4 }

  // The projector pushes shortly after each append: wait until the history has every run ended.
  await eventually(async () => {
    const listed = await page<RunRecord>('/v1/runs')
    const ended = listed.items.filter((r) => r.finished_at !== null).length
    const steps = await page<StepRecord>('/v1/runs/steps')
    return ended === 4 && steps.items.every((s) => s.outcome !== null) && steps.items.length === 8
      ? true
      : undefined
  })
}, 60_000)

afterAll(() => {
  for (const agent of [a1, a2, b1]) agent?.conn.socket.close()
})

describe('the run history', () => {
  it('has every run, newest first, agreeing with the site objects', async () => {
    const { r1, r2, r3, r4 } = runs
    const listed = await page<RunRecord>('/v1/runs')
    expect(listed.items.map((r) => r.id)).toEqual([r4.id, r3.id, r2.id, r1.id])
    expect(listed.next_cursor).toBeNull()
    for (const record of listed.items) {
      const site = record.site_id === siteA.id ? siteA : siteB
      const run = await endedRun(site, record.id)
      expect(record).toMatchObject({
        site_id: run.site_id,
        task_id: run.task_id,
        task_version: run.task_version,
        task_name: run.task_name,
        status: run.status,
        reason: run.reason,
        trigger: run.trigger,
        requested_by: run.requested_by,
        requested_at: run.requested_at,
        finished_at: run.finished_at,
      })
      expect(record.agents.targeted).toBe(run.targets.length)
      expect(record.duration_ms).toBe(Date.parse(run.finished_at ?? '') - Date.parse(record.started_at ?? ''))
      expect(record.duration_ms).toBeGreaterThanOrEqual(0)
    }
    const first = listed.items.find((r) => r.id === r1.id)
    expect(first).toMatchObject({
      task_name: 'deploy',
      status: 'failed',
      reason: '1 of 2 agent(s) failed',
      trigger: { kind: 'api' },
      agents: { targeted: 2, succeeded: 1, failed: 1, not_started: 0 },
    })
    expect(listed.items.find((r) => r.id === r4.id)).toMatchObject({
      status: 'succeeded',
      trigger: { kind: 'rerun', run_id: r1.id },
      agents: { targeted: 1, succeeded: 1, failed: 0, not_started: 0 },
    })
  })

  it('has every step attempt with its outcome, exit code and duration, as the site recorded it', async () => {
    const { r1 } = runs
    const detail = await endedRun(siteA, r1.id)
    const steps = (await page<StepRecord>(`/v1/runs/steps?run_id=${r1.id}`)).items
    expect(steps).toHaveLength(4)
    for (const step of detail.steps) {
      expect(steps.find((s) => s.agent_id === step.agent_id && s.index === step.index)).toEqual({
        run_id: r1.id,
        site_id: siteA.id,
        task_id: deploy.id,
        agent_id: step.agent_id,
        index: step.index,
        attempt: step.attempt,
        outcome: step.outcome,
        exit_code: step.exit_code,
        signal: step.signal,
        message: step.message,
        dispatched_at: step.dispatched_at,
        started_at: step.started_at,
        finished_at: step.finished_at,
        duration_ms: step.duration_ms,
      })
    }
    expect(steps.find((s) => s.agent_id === a2.agentId && s.index === 1)).toMatchObject({
      outcome: 'failed',
      exit_code: 3,
      duration_ms: 12,
    })
  })

  it('is searchable per site, task, agent, status, trigger and time', async () => {
    const { r1, r2, r3, r4 } = runs
    expect(await runIds(`site_id=${siteB.id}`)).toEqual([r2.id])
    expect(await runIds(`site_id=${siteA.id}`)).toEqual([r4.id, r3.id, r1.id])
    expect(await runIds(`task_id=${deploy.id}`)).toEqual([r4.id, r1.id])
    expect(await runIds(`agent_id=${a1.agentId}`)).toEqual([r3.id, r1.id])
    expect(await runIds(`agent_id=${a2.agentId}`)).toEqual([r4.id, r1.id])
    expect(await runIds('status=failed')).toEqual([r1.id])
    expect(await runIds(`status=succeeded&site_id=${siteA.id}`)).toEqual([r4.id, r3.id])
    expect(await runIds('trigger=rerun')).toEqual([r4.id])
    expect(await runIds('trigger=schedule')).toEqual([])
    expect(await runIds(`since=${r2.requested_at}`)).toEqual([r4.id, r3.id, r2.id])
    expect(await runIds(`until=${r2.requested_at}`)).toEqual([r1.id])
    // Any offset names the same instant: the history compares in UTC.
    const offset = new Date(Date.parse(r2.requested_at) + 3_600_000).toISOString().replace('Z', '+01:00')
    expect(await runIds(`since=${encodeURIComponent(offset)}`)).toEqual([r4.id, r3.id, r2.id])

    const a2Steps = [`${r4.id}/${a2.agentId}/1/1`, `${r4.id}/${a2.agentId}/0/1`]
    expect(await stepKeys(`agent_id=${a2.agentId}`)).toEqual([
      ...a2Steps,
      `${r1.id}/${a2.agentId}/1/1`,
      `${r1.id}/${a2.agentId}/0/1`,
    ])
    expect(await stepKeys('outcome=failed')).toEqual([`${r1.id}/${a2.agentId}/1/1`])
    expect(await stepKeys(`site_id=${siteB.id}`)).toEqual([`${r2.id}/${b1.agentId}/0/1`])
    expect(await stepKeys(`task_id=${deploy.id}&agent_id=${a2.agentId}&since=${r4.requested_at}`)).toEqual(
      a2Steps,
    )
  })

  it('pages with a cursor', async () => {
    const { r1, r2, r3, r4 } = runs
    const seen: string[] = []
    let cursor: string | null = ''
    while (cursor !== null) {
      const next: Page<RunRecord> = await page<RunRecord>(
        `/v1/runs?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(next.items.length).toBeLessThanOrEqual(3)
      seen.push(...next.items.map((r) => r.id))
      cursor = next.next_cursor
    }
    expect(seen).toEqual([r4.id, r3.id, r2.id, r1.id])

    const all = await stepKeys('')
    expect(all).toHaveLength(8)
    const paged: string[] = []
    cursor = ''
    while (cursor !== null) {
      const next: Page<StepRecord> = await page<StepRecord>(
        `/v1/runs/steps?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      paged.push(...next.items.map((s) => `${s.run_id}/${s.agent_id}/${s.index}/${s.attempt}`))
      cursor = next.next_cursor
    }
    expect(paged).toEqual(all)
  })

  it('shows another tenant nothing, and a site-restricted key only its site', async () => {
    const other = (await newTenant()).client
    expect(await runIds('', other)).toEqual([])
    expect(await runIds(`site_id=${siteA.id}`, other)).toEqual([])
    expect(await stepKeys('', other)).toEqual([])
    expect(await stepKeys(`agent_id=${a1.agentId}`, other)).toEqual([])

    const onlyB = client(await tenant.keyFor('viewer', { site_id: siteB.id }))
    expect(await runIds('', onlyB)).toEqual([runs.r2.id])
    expect(await runIds(`site_id=${siteA.id}`, onlyB)).toEqual([])
    expect(await stepKeys('', onlyB)).toEqual([`${runs.r2.id}/${b1.agentId}/0/1`])
  })

  it('refuses bad queries', async () => {
    for (const query of [
      'status=running',
      'trigger=cron',
      'site_id=nope',
      'agent_id=01ARZ3NDEKTSV4RRFFQ69G5FA',
      'since=yesterday',
      'until=2026-13-01T00:00:00Z',
      'limit=0',
      'limit=1001',
      'cursor=not-a-ulid',
    ])
      await expectError(await admin(`/v1/runs?${query}`), 400, 'validation_failed')
    for (const query of ['outcome=exploded', 'cursor=abc', `cursor=${runs.r1.id}`, 'run_id=1', 'since=now'])
      await expectError(await admin(`/v1/runs/steps?${query}`), 400, 'validation_failed')
  })

  it('keeps step output out of the tenant-wide event index', async () => {
    const detail = await endedRun(siteA, runs.r1.id)
    expect(detail.steps.reduce((lines, s) => lines + s.lines, 0)).toBe(3)
    const indexed = async (type: string) =>
      (await page<{ type: string }>(`/v1/events?site_id=${siteA.id}&type=${type}`)).items.length
    expect(await indexed('io.sitewire.step.finished')).toBe(7)
    expect(await indexed('io.sitewire.step.output')).toBe(0)
  })

  it('is rebuilt from the logs exactly as it was built', async () => {
    const db = openProjections(env)
    const snapshot = async () => ({
      tasks: await db.query.tasks.findMany({
        where: (t, { eq }) => eq(t.tenantId, tenant.tenant_id),
        orderBy: (t) => t.id,
      }),
      runs: await db.query.runs.findMany({
        where: (t, { eq }) => eq(t.tenantId, tenant.tenant_id),
        orderBy: (t) => t.id,
      }),
      steps: await db.query.runSteps.findMany({
        where: (t, { eq }) => eq(t.tenantId, tenant.tenant_id),
        orderBy: (t) => [t.runId, t.agentId, t.stepIndex, t.attempt],
      }),
      events: await db.query.siteEvents.findMany({
        where: (t, { eq }) => eq(t.tenantId, tenant.tenant_id),
        orderBy: (t) => [t.siteId, t.seq],
      }),
    })
    const heads = async () =>
      Promise.all(
        [siteA, siteB].map(
          async (site) => (await (await admin(`/v1/sites/${site.id}/status`)).json()) as SiteStatus,
        ),
      )
    /** The projections once every log is projected, with the heads they were taken at. */
    const settled = () =>
      eventually(async () => {
        const before = await heads()
        if (before.some((s) => s.projected_seq !== s.head_seq)) return undefined
        const rows = await snapshot()
        const after = await heads()
        const at = before.map((s) => s.head_seq)
        return JSON.stringify(after.map((s) => s.head_seq)) === JSON.stringify(at) ? { at, rows } : undefined
      }, 10_000)

    // Ended runs are archived in the background; a rebuild is compared only over an unchanged log.
    for (let attempt = 1; ; attempt++) {
      const built = await settled()
      expect(built.rows.runs).toHaveLength(4)
      expect(built.rows.steps).toHaveLength(8)
      const rebuilt = await admin('/v1/admin/projections/rebuild', { method: 'POST' })
      expect(rebuilt.status).toBe(202)
      expect(await rebuilt.json()).toEqual({ sites: 2, failed: [] })
      const again = await settled()
      if (attempt < 3 && JSON.stringify(again.at) !== JSON.stringify(built.at)) continue
      expect(again.rows).toEqual(built.rows)
      return
    }
  })
})
