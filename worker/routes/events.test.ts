import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AppendResult } from '../../schema/api/events'
import type { Site } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import {
  type Client,
  cloudEvent,
  createSite,
  eventually,
  expectError,
  newTenant,
  openEventStream,
} from '../../test/worker-support'
import { openProjections } from '../projections/database'

let call: Client
let site: Site

beforeAll(async () => {
  call = (await newTenant()).client
  site = await createSite(call)
})

const post = (body: unknown, contentType = 'application/cloudevents+json', siteId = site.id) =>
  call(`/v1/sites/${siteId}/events`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': contentType },
  })

const readLog = async (siteId = site.id, query = 'limit=1000') =>
  (await (await call(`/v1/sites/${siteId}/events?${query}`)).json()) as {
    items: LoggedEvent[]
    next_cursor: string | null
  }

describe('appending CloudEvents', () => {
  it('stores a structured event with the next seq and returns it in the log', async () => {
    const event = cloudEvent({ traceparent: '00-abc-def-01' })
    const response = await post(event)
    expect(response.status).toBe(201)
    const result = (await response.json()) as AppendResult
    expect(result).toEqual({
      items: [{ id: event.id, source: event.source, seq: 2, duplicate: false }],
      head_seq: 2,
    })
    const stored = (await readLog()).items.at(-1)
    expect(stored).toEqual({ ...event, seq: 2, time: expect.any(String) })
  })

  it('stores an event id from the same source once and answers with its first seq', async () => {
    const event = cloudEvent()
    const first = (await (await post(event)).json()) as AppendResult
    const again = await post({ ...event, data: { changed: true } })
    expect(again.status).toBe(200)
    expect(((await again.json()) as AppendResult).items[0]).toEqual({ ...first.items[0], duplicate: true })
    const copies = (await readLog()).items.filter((e) => e.id === event.id)
    expect(copies).toHaveLength(1)
    expect(copies[0]?.data).toEqual({ ok: true })
    const otherSource = (await (await post({ ...event, source: '/elsewhere' })).json()) as AppendResult
    expect(otherSource.items[0]?.duplicate).toBe(false)
  })

  it('reads binary mode: ce-* headers, the body is the data', async () => {
    const response = await call(`/v1/sites/${site.id}/events`, {
      method: 'POST',
      body: JSON.stringify({ build: 42 }),
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'bin-1',
        'ce-source': '/ci',
        'ce-type': 'com.example.build.finished',
        'ce-subject': 'api',
        'ce-time': '2026-01-02T03:04:05.000Z',
        'ce-region': 'eu',
      },
    })
    expect(response.status).toBe(201)
    const stored = (await readLog()).items.find((e) => e.id === 'bin-1')
    expect(stored).toMatchObject({
      source: '/ci',
      type: 'com.example.build.finished',
      subject: 'api',
      time: '2026-01-02T03:04:05.000Z',
      region: 'eu',
      data: { build: 42 },
    })
  })

  it('appends a batch in order with consecutive seqs, in both batch content types', async () => {
    const before = (await readLog()).items.length
    const batch = Array.from({ length: 5 }, (_, i) => cloudEvent({ id: `batch-${i}` }))
    const result = (await (await post(batch, 'application/cloudevents-batch+json')).json()) as AppendResult
    const seqs = result.items.map((item) => item.seq)
    expect(seqs).toEqual([1, 2, 3, 4, 5].map((n) => before + n))
    const plain = (await (
      await post([cloudEvent(), cloudEvent()], 'application/json')
    ).json()) as AppendResult
    expect(plain.items.map((item) => item.seq)).toEqual([before + 6, before + 7])
    expect(plain.head_seq).toBe(before + 7)
  })

  it('honours Idempotency-Key on appends', async () => {
    const event = cloudEvent()
    const send = () =>
      call(`/v1/sites/${site.id}/events`, {
        method: 'POST',
        body: JSON.stringify(event),
        headers: { 'content-type': 'application/cloudevents+json', 'idempotency-key': `k-${event.id}` },
      })
    const first = await send()
    const second = await send()
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(await second.json()).toEqual(await first.json())
  })

  it('pages through the log with after, limit and type', async () => {
    const own = (await newTenant()).client
    const mine = await createSite(own)
    const sendTo = (body: unknown) =>
      own(`/v1/sites/${mine.id}/events`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      })
    await sendTo(
      Array.from({ length: 6 }, (_, i) =>
        cloudEvent({ type: i % 2 ? 'com.example.odd' : 'com.example.even' }),
      ),
    )
    const page = (await (await own(`/v1/sites/${mine.id}/events?after=0&limit=3`)).json()) as {
      items: LoggedEvent[]
      next_cursor: string
    }
    expect(page.items.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(page.next_cursor).toBe('3')
    const rest = (await (await own(`/v1/sites/${mine.id}/events?after=3&limit=10`)).json()) as {
      items: LoggedEvent[]
      next_cursor: string | null
    }
    expect(rest.items.map((e) => e.seq)).toEqual([4, 5, 6, 7])
    expect(rest.next_cursor).toBeNull()
    const odd = (await (await own(`/v1/sites/${mine.id}/events?type=com.example.odd`)).json()) as {
      items: LoggedEvent[]
    }
    expect(odd.items.map((e) => e.seq)).toEqual([3, 5, 7])
    await expectError(await own(`/v1/sites/${mine.id}/events?limit=0`), 400, 'validation_failed')
    await expectError(await own(`/v1/sites/${mine.id}/events?after=-1`), 400, 'validation_failed')
  })
})

describe('refused appends store nothing', () => {
  const cases: [string, () => Promise<Response>, number, string][] = [
    [
      'malformed JSON',
      () =>
        call(`/v1/sites/${site.id}/events`, {
          method: 'POST',
          body: '[{',
          headers: { 'content-type': 'application/json' },
        }),
      400,
      'malformed_json',
    ],
    [
      'a wrong content type',
      () =>
        call(`/v1/sites/${site.id}/events`, {
          method: 'POST',
          body: 'x',
          headers: { 'content-type': 'text/plain' },
        }),
      415,
      'unsupported_media_type',
    ],
    ['a missing id', () => post({ ...cloudEvent(), id: undefined }), 400, 'validation_failed'],
    ['a missing source', () => post({ ...cloudEvent(), source: undefined }), 400, 'validation_failed'],
    ['a missing type', () => post({ ...cloudEvent(), type: undefined }), 400, 'validation_failed'],
    ['a wrong specversion', () => post(cloudEvent({ specversion: '0.3' })), 400, 'validation_failed'],
    ['a bad time', () => post(cloudEvent({ time: 'yesterday' })), 400, 'validation_failed'],
    [
      'a reserved type',
      () => post(cloudEvent({ type: 'io.sitewire.site.created' })),
      400,
      'validation_failed',
    ],
    ['a seq of its own', () => post(cloudEvent({ seq: 1 })), 400, 'validation_failed'],
    ['a bad extension name', () => post(cloudEvent({ 'Bad-Name': 1 })), 400, 'validation_failed'],
    [
      'a batch over 1000 events',
      () =>
        post(
          Array.from({ length: 1001 }, () => cloudEvent()),
          'application/cloudevents-batch+json',
        ),
      400,
      'validation_failed',
    ],
    [
      'an event over 256 KiB',
      () => post(cloudEvent({ data: 'x'.repeat(300 * 1024) })),
      413,
      'event_too_large',
    ],
    [
      'an event under 256 Ki characters but over 256 KiB in UTF-8',
      () => post(cloudEvent({ data: 'é'.repeat(200 * 1024) })),
      413,
      'event_too_large',
    ],
    [
      'a body over 4 MiB',
      () =>
        post(
          Array.from({ length: 20 }, () => cloudEvent({ data: 'x'.repeat(250 * 1024) })),
          'application/json',
        ),
      413,
      'body_too_large',
    ],
    [
      'binary mode without ce-id',
      () =>
        call(`/v1/sites/${site.id}/events`, {
          method: 'POST',
          body: '{}',
          headers: {
            'content-type': 'application/json',
            'ce-specversion': '1.0',
            'ce-source': '/x',
            'ce-type': 't',
          },
        }),
      400,
      'validation_failed',
    ],
    [
      'an unknown site',
      () => post(cloudEvent(), 'application/cloudevents+json', '01ARZ3NDEKTSV4RRFFQ69G5FAV'),
      404,
      'not_found',
    ],
  ]

  it.each(cases)('with %s', async (_what, send, status, code) => {
    const before = await readLog()
    await expectError(await send(), status, code)
    expect(await readLog()).toEqual(before)
  })

  it('refuses a whole batch when one event is bad, naming it', async () => {
    const before = await readLog()
    const batch = [
      cloudEvent(),
      cloudEvent(),
      cloudEvent({ type: 'io.sitewire.agent.enrolled' }),
      cloudEvent(),
    ]
    const body = await expectError(
      await post(batch, 'application/cloudevents-batch+json'),
      400,
      'validation_failed',
    )
    expect(body.error.details).toEqual([{ path: '2', message: expect.stringContaining('reserved') }])
    expect(await readLog()).toEqual(before)
  })

  it('refuses appends to an archived site with 409', async () => {
    const archived = await createSite(call, 'to archive')
    await call(`/v1/sites/${archived.id}/archive`, { method: 'POST' })
    await expectError(
      await post(cloudEvent(), 'application/cloudevents+json', archived.id),
      409,
      'site_archived',
    )
    expect((await readLog(archived.id)).items.map((e) => e.type)).toEqual([
      'io.sitewire.site.created',
      'io.sitewire.site.archived',
    ])
  })

  it('refuses viewers with 403', async () => {
    const tenant = await newTenant()
    const own = await createSite(tenant.client)
    const viewerKey = await tenant.keyFor('viewer')
    const response = await tenant.client(`/v1/sites/${own.id}/events`, {
      method: 'POST',
      body: JSON.stringify(cloudEvent()),
      headers: { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${viewerKey}` },
    })
    await expectError(response, 403, 'forbidden')
  })
})

describe('the live stream', () => {
  const connect = (siteId: string, query: string, key = call) => openEventStream(key, siteId, query)

  it('sends the backlog then live events in order with no gap or repeat', async () => {
    const own = (await newTenant()).client
    const mine = await createSite(own)
    const append = (n: number) =>
      own(`/v1/sites/${mine.id}/events`, {
        method: 'POST',
        body: JSON.stringify(Array.from({ length: n }, () => cloudEvent())),
        headers: { 'content-type': 'application/json' },
      })
    await append(30)
    const { socket, received } = await connect(mine.id, 'after=0', own)
    const writers = Array.from({ length: 5 }, () => append(20))
    await Promise.all(writers)
    const all = await eventually(async () => (received.length >= 131 ? received : undefined))
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 131 }, (_, i) => i + 1))
    socket.close()
  })

  it('starts at the head by default and filters by type', async () => {
    const own = (await newTenant()).client
    const mine = await createSite(own)
    const { socket, received } = await connect(mine.id, 'type=com.example.wanted', own)
    await own(`/v1/sites/${mine.id}/events`, {
      method: 'POST',
      body: JSON.stringify([
        cloudEvent({ type: 'com.example.other' }),
        cloudEvent({ type: 'com.example.wanted' }),
      ]),
      headers: { 'content-type': 'application/json' },
    })
    const got = await eventually(async () => (received.length >= 1 ? received : undefined))
    expect(got.map((e) => [e.seq, e.type])).toEqual([[3, 'com.example.wanted']])
    socket.close()
  })

  it('refuses a plain request, and another tenant', async () => {
    await expectError(await call(`/v1/sites/${site.id}/events/stream`), 426, 'upgrade_required')
    const other = (await newTenant()).client
    await expectError(
      await other(`/v1/sites/${site.id}/events/stream`, { headers: { upgrade: 'websocket' } }),
      404,
      'not_found',
    )
  })
})

describe('projections', () => {
  it('indexes events tenant-wide and rebuilds them identically from the logs', async () => {
    const tenant = await newTenant()
    const own = tenant.client
    const [a, b] = [await createSite(own, 'a'), await createSite(own, 'b')]
    for (const s of [a, b]) {
      await own(`/v1/sites/${s.id}/events`, {
        method: 'POST',
        body: JSON.stringify([
          cloudEvent({ type: 'com.example.alert' }),
          cloudEvent({ type: 'com.example.deploy' }),
        ]),
        headers: { 'content-type': 'application/json' },
      })
    }
    await own(`/v1/sites/${b.id}`, { method: 'PATCH', json: { name: 'b2' } })
    const alerts = await eventually(async () => {
      const page = (await (await own('/v1/events?type=com.example.alert')).json()) as {
        items: { site_id: string }[]
      }
      return page.items.length === 2 ? page : undefined
    })
    expect(alerts.items.map((e) => e.site_id).sort()).toEqual([a.id, b.id].sort())

    const db = openProjections(env)
    const snapshot = async () => ({
      sites: await db.query.sites.findMany({
        where: (t, { eq }) => eq(t.tenantId, tenant.tenant_id),
        orderBy: (t) => t.id,
      }),
      events: await db.query.siteEvents.findMany({
        where: (t, { eq }) => eq(t.tenantId, tenant.tenant_id),
        orderBy: (t) => [t.siteId, t.seq],
      }),
    })
    const settled = await eventually(async () => {
      const snap = await snapshot()
      return snap.events.length === 7 && snap.sites.find((s) => s.id === b.id)?.name === 'b2'
        ? snap
        : undefined
    })
    expect(settled.sites.map((s) => [s.name, s.lastSeq])).toEqual([
      ['a', 1],
      ['b2', 4],
    ])

    const rebuilt = await own('/v1/admin/projections/rebuild', { method: 'POST' })
    expect(rebuilt.status).toBe(202)
    expect(await rebuilt.json()).toEqual({ sites: 2, failed: [] })
    const after = await eventually(async () => {
      const snap = await snapshot()
      return snap.events.length === 7 && snap.sites.length === 2 ? snap : undefined
    })
    expect(after).toEqual(settled)
  })
})
