import { env, runInDurableObject } from 'cloudflare:test'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Enrolled, ServerMessage } from '../../schema/agent/protocol'
import type { CreatedEnrolmentToken } from '../../schema/api/agents'
import type { Run } from '../../schema/api/runs'
import type { Schedule } from '../../schema/api/schedules'
import type { Site } from '../../schema/api/sites'
import type { Task } from '../../schema/api/tasks'
import type { LoggedEvent } from '../../schema/events'
import { newAgent, open } from '../../test/worker-agents'
import { type Client, eventually, expectError, newTenant } from '../../test/worker-support'
import type { SiteRuns } from '../runs/site-runs'
import type { SiteObject } from '../site-object/site-object'

let admin: Client
let other: Client

beforeAll(async () => {
  admin = (await newTenant()).client
  other = (await newTenant()).client
})

// Each test starts on the system's time, then moves it (only `Date`: awaiting stays real).
beforeEach(() => {
  vi.useRealTimers()
  vi.useFakeTimers({ toFake: ['Date'] })
})
afterAll(() => vi.useRealTimers())

/** Every test moves its site's clock to a fixed time, so fire times are known exactly. */
const START = '2035-03-22T12:00:30.000Z'

const objectOf = (site: Site) => env.SITE.get(env.SITE.idFromName(site.id))

/** Moves the time forward to `iso`: the test's clock is the site object's, as they share the isolate. */
const clockTo = (iso: string) => {
  if (Date.parse(iso) < Date.now()) throw new Error(`the clock is already past ${iso}`)
  vi.setSystemTime(iso)
}

const runAlarm = (site: Site) =>
  runInDurableObject(objectOf(site), (instance: SiteObject) => instance.alarm())

/** Resets the object, as a crash or an eviction would; the next call starts a new instance. */
const restart = async (site: Site) => {
  await runInDurableObject(objectOf(site), (_instance, state) => state.abort('restart')).catch(() => {})
}

const siteAt = async (timezone: string) => {
  const response = await admin('/v1/sites', { method: 'POST', json: { name: 'schedules', timezone } })
  expect(response.status).toBe(201)
  return (await response.json()) as Site
}

const newSite = async (timezone = 'UTC') => {
  const site = await siteAt(timezone)
  clockTo(START)
  return site
}

/**
 * A site with one connected, approved agent labelled role=web, and the steps it receives.
 * The agent enrols before the clock moves: its enrolment token's expiry is on the system's time.
 */
const siteWithAgent = async () => {
  const site = await siteAt('UTC')
  const token = (await (
    await admin(`/v1/sites/${site.id}/enrolment-tokens`, { method: 'POST', json: {} })
  ).json()) as CreatedEnrolmentToken & { token: string }
  const agent = await newAgent()
  const { agent_id: agentId } = (await (await agent.enrol(token.token, { role: 'web' })).json()) as Enrolled
  const conn = await open(await agent.connect(agentId, site.id))
  clockTo(START)
  const steps = () =>
    conn.messages.filter(
      (m): m is Extract<ServerMessage, { type: 'step' }> => typeof m !== 'string' && m.type === 'step',
    )
  return { site, agentId, conn, steps }
}

const newTask = async (site: Site) => {
  const response = await admin(`/v1/sites/${site.id}/tasks`, {
    method: 'POST',
    json: {
      name: 'Rotate logs',
      params: [{ name: 'who', type: 'string', default: 'nobody' }],
      steps: [{ kind: 'script', body: 'echo rotating for {{ params.who }}' }],
    },
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Task
}

const schedule = async (site: Site, json: Record<string, unknown>) => {
  const response = await admin(`/v1/sites/${site.id}/schedules`, { method: 'POST', json })
  expect(response.status).toBe(201)
  return (await response.json()) as Schedule
}

const getSchedule = async (site: Site, id: string) =>
  (await (await admin(`/v1/sites/${site.id}/schedules/${id}`)).json()) as Schedule

const post = (site: Site, path: string) => admin(`/v1/sites/${site.id}/schedules/${path}`, { method: 'POST' })

const runsOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/runs`)).json()) as { items: Run[] }).items

const eventsOf = async (site: Site, type: string) =>
  (
    (await (await admin(`/v1/sites/${site.id}/events?limit=1000&type=${type}`)).json()) as {
      items: LoggedEvent[]
    }
  ).items

const headOf = async (site: Site) =>
  ((await (await admin(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

const webRun = { target: { labels: { role: 'web' } } }

describe('schedules', () => {
  it('show the next five fire times of a cron in its time zone, across a change of daylight saving time', async () => {
    const site = await newSite('Europe/Paris')
    const task = await newTask(site)
    const weekdays = await schedule(site, { task_id: task.id, cron: '0 9 * * 1-5', run: webRun })
    expect(weekdays).toMatchObject({
      task_id: task.id,
      name: 'Rotate logs',
      timezone: 'Europe/Paris',
      status: 'active',
      paused: false,
      missed: 'run_once',
      last_fired_at: null,
      last_run_id: null,
      run: { params: {}, target: webRun.target, strategy: { mode: 'parallel' }, deadline_seconds: 21600 },
    })
    // Paris moves to summer time on Sunday 25 March 2035: 09:00 is 08:00Z before, 07:00Z after.
    expect(weekdays.next_fire_times).toEqual([
      '2035-03-23T08:00:00.000Z',
      '2035-03-26T07:00:00.000Z',
      '2035-03-27T07:00:00.000Z',
      '2035-03-28T07:00:00.000Z',
      '2035-03-29T07:00:00.000Z',
    ])
    const tokyo = await schedule(site, {
      task_id: task.id,
      name: 'Tokyo mornings',
      cron: '0 9 * * 1-5',
      timezone: 'Asia/Tokyo',
      run: webRun,
    })
    expect(tokyo.next_fire_times.slice(0, 2)).toEqual([
      '2035-03-23T00:00:00.000Z',
      '2035-03-26T00:00:00.000Z',
    ])

    expect(await getSchedule(site, weekdays.id)).toEqual(weekdays)
    const page = (await (await admin(`/v1/sites/${site.id}/schedules?limit=1`)).json()) as {
      items: Schedule[]
      next_cursor: string | null
    }
    expect(page.items.map((s) => s.id)).toEqual([weekdays.id])
    const rest = (await (
      await admin(`/v1/sites/${site.id}/schedules?cursor=${page.next_cursor}`)
    ).json()) as { items: Schedule[]; next_cursor: string | null }
    expect(rest).toEqual({ items: [tokyo], next_cursor: null })

    const patched = await admin(`/v1/sites/${site.id}/schedules/${tokyo.id}`, {
      method: 'PATCH',
      json: { cron: '30 6 1 * *', missed: 'skip' },
    })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({
      cron: '30 6 1 * *',
      missed: 'skip',
      next_fire_times: [
        '2035-03-31T21:30:00.000Z',
        '2035-04-30T21:30:00.000Z',
        '2035-05-31T21:30:00.000Z',
        '2035-06-30T21:30:00.000Z',
        '2035-07-31T21:30:00.000Z',
      ],
    })
    const deleted = await admin(`/v1/sites/${site.id}/schedules/${tokyo.id}`, { method: 'DELETE' })
    expect(deleted.status).toBe(200)
    await expectError(await admin(`/v1/sites/${site.id}/schedules/${tokyo.id}`), 404, 'not_found')
  })

  it('fire when the clock passes their time: the run carries the schedule and its params, and the agent gets the step', async () => {
    const { site, conn, steps } = await siteWithAgent()
    const task = await newTask(site)
    const hourly = await schedule(site, {
      task_id: task.id,
      cron: '0 * * * *',
      run: { ...webRun, params: { who: 'cron' } },
    })
    expect(hourly.next_fire_times[0]).toBe('2035-03-22T13:00:00.000Z')

    clockTo('2035-03-22T12:59:59.000Z')
    await runAlarm(site)
    expect(await runsOf(site)).toEqual([])

    clockTo('2035-03-22T13:00:01.000Z')
    await runAlarm(site)
    const [run] = await runsOf(site)
    expect(run).toMatchObject({
      task_id: task.id,
      params: { who: 'cron' },
      trigger: { kind: 'schedule', schedule_id: hourly.id, fire_at: '2035-03-22T13:00:00.000Z' },
      requested_by: `schedule/${hourly.id}`,
    })
    const step = await eventually(async () => steps()[0])
    expect(step).toMatchObject({ run_id: run?.id, step: { body: 'echo rotating for cron' } })

    const fired = await eventsOf(site, 'io.sitewire.schedule.fired')
    expect(fired.map((e) => e.data)).toEqual([
      {
        schedule_id: hourly.id,
        fire_at: '2035-03-22T13:00:00.000Z',
        run_id: run?.id,
        missed: 0,
        error: null,
      },
    ])
    expect(await getSchedule(site, hourly.id)).toMatchObject({
      last_fired_at: '2035-03-22T13:00:00.000Z',
      last_run_id: run?.id,
      last_error: null,
    })
    expect((await getSchedule(site, hourly.id)).next_fire_times[0]).toBe('2035-03-22T14:00:00.000Z')

    // The same alarm again fires nothing more.
    await runAlarm(site)
    expect(await runsOf(site)).toHaveLength(1)
    conn.socket.close()
  })

  it('fire nothing while paused, and wait for the next time once resumed', async () => {
    const { site, conn } = await siteWithAgent()
    const task = await newTask(site)
    const hourly = await schedule(site, { task_id: task.id, cron: '0 * * * *', run: webRun })
    const paused = await post(site, `${hourly.id}/pause`)
    expect(paused.status).toBe(200)
    expect(await paused.json()).toMatchObject({ status: 'paused', paused: true, next_fire_times: [] })
    // Pausing again changes nothing.
    const head = await headOf(site)
    expect((await post(site, `${hourly.id}/pause`)).status).toBe(200)
    expect(await headOf(site)).toBe(head)

    clockTo('2035-03-22T14:30:00.000Z')
    await runAlarm(site)
    expect(await runsOf(site)).toEqual([])

    const resumed = await post(site, `${hourly.id}/resume`)
    expect(resumed.status).toBe(200)
    // The times that passed while paused are not missed: the wait starts again from now.
    expect(((await resumed.json()) as Schedule).next_fire_times[0]).toBe('2035-03-22T15:00:00.000Z')
    clockTo('2035-03-22T15:00:02.000Z')
    await runAlarm(site)
    const runs = await runsOf(site)
    expect(runs.map((r) => r.trigger)).toEqual([
      { kind: 'schedule', schedule_id: hourly.id, fire_at: '2035-03-22T15:00:00.000Z' },
    ])
    expect(await eventsOf(site, 'io.sitewire.schedule.missed')).toEqual([])
    conn.socket.close()
  })

  it('run once, late, for all the fire times the object was down for', async () => {
    const { site, conn } = await siteWithAgent()
    const task = await newTask(site)
    const hourly = await schedule(site, { task_id: task.id, cron: '0 * * * *', run: webRun })
    conn.socket.close()
    // Down from before 13:00 until 16:20: 13:00, 14:00, 15:00 and 16:00 passed.
    clockTo('2035-03-22T16:20:00.000Z')
    await restart(site)
    const runs = await eventually(async () => {
      const found = await runsOf(site)
      return found.length > 0 ? found : undefined
    })
    expect(runs.map((r) => r.trigger)).toEqual([
      { kind: 'schedule', schedule_id: hourly.id, fire_at: '2035-03-22T16:00:00.000Z' },
    ])
    const fired = await eventsOf(site, 'io.sitewire.schedule.fired')
    expect(fired.map((e) => e.data)).toEqual([
      {
        schedule_id: hourly.id,
        fire_at: '2035-03-22T16:00:00.000Z',
        run_id: runs[0]?.id,
        missed: 4,
        error: null,
      },
    ])
    expect((await getSchedule(site, hourly.id)).next_fire_times[0]).toBe('2035-03-22T17:00:00.000Z')
    await runAlarm(site)
    expect(await runsOf(site)).toHaveLength(1)
  })

  it('skip the fire times the object was down for when told to, recording them as missed', async () => {
    const { site, conn } = await siteWithAgent()
    const task = await newTask(site)
    const hourly = await schedule(site, { task_id: task.id, cron: '0 * * * *', run: webRun, missed: 'skip' })
    clockTo('2035-03-22T15:30:00.000Z')
    await runAlarm(site)
    expect(await runsOf(site)).toEqual([])
    const missed = await eventsOf(site, 'io.sitewire.schedule.missed')
    expect(missed.map((e) => e.data)).toEqual([
      { schedule_id: hourly.id, fire_at: '2035-03-22T15:00:00.000Z', count: 3 },
    ])
    expect(await eventsOf(site, 'io.sitewire.schedule.fired')).toEqual([])

    // Down over 16:00 and 17:00 but back in time for 18:00: the two are missed, 18:00 runs.
    clockTo('2035-03-22T18:00:10.000Z')
    await runAlarm(site)
    const runs = await runsOf(site)
    expect(runs.map((r) => r.trigger)).toEqual([
      { kind: 'schedule', schedule_id: hourly.id, fire_at: '2035-03-22T18:00:00.000Z' },
    ])
    expect((await eventsOf(site, 'io.sitewire.schedule.missed')).map((e) => e.data)).toEqual([
      { schedule_id: hourly.id, fire_at: '2035-03-22T15:00:00.000Z', count: 3 },
      { schedule_id: hourly.id, fire_at: '2035-03-22T17:00:00.000Z', count: 2 },
    ])
    conn.socket.close()
  })

  it('fire a one-shot `at` schedule once, then show it completed', async () => {
    const { site, conn, steps } = await siteWithAgent()
    const task = await newTask(site)
    const once = await schedule(site, {
      task_id: task.id,
      at: '2035-03-22T14:00:00+01:00',
      run: { ...webRun, params: { who: 'once' } },
    })
    expect(once).toMatchObject({
      cron: null,
      at: '2035-03-22T13:00:00.000Z',
      next_fire_times: ['2035-03-22T13:00:00.000Z'],
    })
    clockTo('2035-03-22T13:00:05.000Z')
    await runAlarm(site)
    const [run] = await runsOf(site)
    expect(run?.trigger).toEqual({
      kind: 'schedule',
      schedule_id: once.id,
      fire_at: '2035-03-22T13:00:00.000Z',
    })
    expect(await eventually(async () => steps()[0])).toMatchObject({
      step: { body: 'echo rotating for once' },
    })
    expect(await getSchedule(site, once.id)).toMatchObject({
      status: 'completed',
      next_fire_times: [],
      last_run_id: run?.id,
    })

    clockTo('2035-03-23T13:00:00.000Z')
    await runAlarm(site)
    expect(await runsOf(site)).toHaveLength(1)
    await expectError(await post(site, `${once.id}/resume`), 409, 'schedule_completed')
    // A new time arms it again.
    const rearmed = await admin(`/v1/sites/${site.id}/schedules/${once.id}`, {
      method: 'PATCH',
      json: { at: '2035-03-24T00:00:00.000Z' },
    })
    expect(await rearmed.json()).toMatchObject({
      status: 'active',
      next_fire_times: ['2035-03-24T00:00:00.000Z'],
    })
    conn.socket.close()
  })

  it('record a run requested just before a crash as the fire, without a second run', async () => {
    const { site, conn } = await siteWithAgent()
    const task = await newTask(site)
    const hourly = await schedule(site, { task_id: task.id, cron: '0 * * * *', run: webRun })
    clockTo('2035-03-22T13:00:01.000Z')
    // What a fire does first, requesting the run, without the fire being recorded after it.
    const orphan = await runInDurableObject(objectOf(site), (instance: SiteObject) => {
      const { runs } = (instance as unknown as { parts: { runs: SiteRuns } }).parts
      return runs.commands.requestRun(
        task.id,
        { ...hourly.run, from_step: 0 },
        `schedule/${hourly.id}`,
        undefined,
        {
          kind: 'schedule',
          schedule_id: hourly.id,
          fire_at: '2035-03-22T13:00:00.000Z',
        },
      ).body.id
    })
    await restart(site)
    await runAlarm(site)
    expect((await runsOf(site)).map((r) => r.id)).toEqual([orphan])
    expect((await eventsOf(site, 'io.sitewire.schedule.fired')).map((e) => e.data)).toEqual([
      { schedule_id: hourly.id, fire_at: '2035-03-22T13:00:00.000Z', run_id: orphan, missed: 0, error: null },
    ])
    expect((await getSchedule(site, hourly.id)).next_fire_times[0]).toBe('2035-03-22T14:00:00.000Z')
    conn.socket.close()
  })

  it('record a fire that finds no agent as an error, without a run', async () => {
    const site = await newSite()
    const task = await newTask(site)
    const hourly = await schedule(site, { task_id: task.id, cron: '0 * * * *', run: webRun })
    clockTo('2035-03-22T13:00:00.000Z')
    await runAlarm(site)
    expect(await runsOf(site)).toEqual([])
    const fired = await eventsOf(site, 'io.sitewire.schedule.fired')
    expect(fired.map((e) => e.data)).toEqual([
      {
        schedule_id: hourly.id,
        fire_at: '2035-03-22T13:00:00.000Z',
        run_id: null,
        missed: 0,
        error: 'no_targets: no approved agent matches the target',
      },
    ])
    expect(await getSchedule(site, hourly.id)).toMatchObject({
      last_fired_at: '2035-03-22T13:00:00.000Z',
      last_run_id: null,
      last_error: 'no_targets: no approved agent matches the target',
      next_fire_times: expect.arrayContaining(['2035-03-22T14:00:00.000Z']),
    })
  })

  it('refuse bad bodies, unknown ids and other tenants with the documented errors, storing nothing', async () => {
    const site = await newSite()
    const task = await newTask(site)
    const hourly = await schedule(site, { task_id: task.id, cron: '0 * * * *', run: webRun })
    const before = await headOf(site)
    const create = (json: unknown) => admin(`/v1/sites/${site.id}/schedules`, { method: 'POST', json })
    const valid = { task_id: task.id, cron: '0 9 * * *', run: webRun }

    const message = async (json: unknown) =>
      (await expectError(await create(json), 400, 'validation_failed')).error.details
    expect(await message({ ...valid, cron: '61 * * * *' })).toEqual([
      { path: 'cron', message: 'invalid cron expression: Invalid value for minute: 61' },
    ])
    expect(await message({ ...valid, cron: '0 9 * *' })).toEqual([
      { path: 'cron', message: 'a cron expression has 5 fields: minute hour day-of-month month day-of-week' },
    ])
    expect(await message({ ...valid, cron: '0 0 31 2 *' })).toEqual([
      { path: 'cron', message: 'this cron expression never matches a date' },
    ])
    await expectError(await create({ ...valid, at: '2035-04-01T00:00:00Z' }), 400, 'validation_failed')
    await expectError(await create({ task_id: task.id, run: webRun }), 400, 'validation_failed')
    await expectError(await create({ ...valid, timezone: 'Mars/Olympus' }), 400, 'validation_failed')
    await expectError(await create({ ...valid, missed: 'later' }), 400, 'validation_failed')
    await expectError(await create({ ...valid, run: { ...webRun, at: START } }), 400, 'validation_failed')
    await expectError(await create({ ...valid, extra: 1 }), 400, 'validation_failed')
    await expectError(await create({ ...valid, run: { target: {} } }), 400, 'validation_failed')
    await expectError(await create({ ...valid, task_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }), 422, 'unknown_task')
    await expectError(
      await create({ ...valid, run: { ...webRun, params: { nope: 1 } } }),
      422,
      'invalid_params',
    )
    await expectError(
      await create({ task_id: task.id, at: '2035-03-22T12:00:00Z', run: webRun }),
      422,
      'at_passed',
    )

    const unknown = `/v1/sites/${site.id}/schedules/01ARZ3NDEKTSV4RRFFQ69G5FAV`
    await expectError(await admin(unknown), 404, 'not_found')
    await expectError(await admin(unknown, { method: 'PATCH', json: { name: 'x' } }), 404, 'not_found')
    await expectError(await admin(`${unknown}/pause`, { method: 'POST' }), 404, 'not_found')
    await expectError(await admin(unknown, { method: 'DELETE' }), 404, 'not_found')
    await expectError(
      await admin(`/v1/sites/${site.id}/schedules/${hourly.id}`, { method: 'PATCH', json: {} }),
      400,
      'validation_failed',
    )
    await expectError(
      await admin(`/v1/sites/${site.id}/schedules/${hourly.id}`, {
        method: 'PATCH',
        json: { cron: '0 * * * *', at: '2036-01-01T00:00:00Z' },
      }),
      400,
      'validation_failed',
    )

    const theirs = `/v1/sites/${site.id}/schedules`
    await expectError(await other(theirs), 404, 'not_found')
    await expectError(await other(`${theirs}/${hourly.id}`), 404, 'not_found')
    await expectError(await other(theirs, { method: 'POST', json: valid }), 404, 'not_found')
    await expectError(await other(`${theirs}/${hourly.id}/pause`, { method: 'POST' }), 404, 'not_found')
    await expectError(await other(`${theirs}/${hourly.id}`, { method: 'DELETE' }), 404, 'not_found')
    expect(await headOf(site)).toBe(before)
    expect(await getSchedule(site, hourly.id)).toEqual(hourly)
  })
})
