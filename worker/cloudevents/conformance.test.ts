import * as v from 'valibot'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Site } from '../../schema/api/sites'
import type { ErrorBody } from '../../schema/common'
import { LoggedEvent } from '../../schema/events'
import { type Client, createSite, newTenant } from '../../test/worker-support'

/**
 * CloudEvents 1.0.2 (core, HTTP binding, JSON format) as the log applies it, one rule a row,
 * through the public API: what is sent, the status, and what the log then holds.
 */
let call: Client
let site: Site

beforeAll(async () => {
  call = (await newTenant()).client
  site = await createSite(call)
})

const head = async () =>
  ((await (await call(`/v1/sites/${site.id}/status`)).json()) as { head_seq: number }).head_seq

const readEvent = async (id: string) => {
  const page = (await (await call(`/v1/sites/${site.id}/events?limit=1000`)).json()) as {
    items: LoggedEvent[]
  }
  return page.items.find((event) => event.id === id)
}

const binary = (id: string, headers: Record<string, string>, body?: BodyInit) =>
  call(`/v1/sites/${site.id}/events`, {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': id,
      'ce-source': '/spec',
      'ce-type': 'com.example.spec',
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  })

const structured = (event: Record<string, unknown>, contentType = 'application/cloudevents+json') =>
  call(`/v1/sites/${site.id}/events`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify({ specversion: '1.0', source: '/spec', type: 'com.example.spec', ...event }),
  })

const BYTES = new Uint8Array([0x00, 0x01, 0x02, 0x7f, 0x80, 0xc3, 0x28, 0xfe, 0xff, 0x0a, 0x0d, 0x22])
const BYTES_BASE64 = 'AAECf4DDKP7/Cg0i'

interface Accepted {
  name: string
  send: (id: string) => Promise<Response>
  /** Attributes and data the log must hold, besides specversion, id, source, type, seq and time. */
  stored: Record<string, unknown>
}

const accepted: Accepted[] = [
  {
    name: 'binary: bytes that are not UTF-8 are kept byte for byte and read as data_base64',
    send: (id) => binary(id, { 'content-type': 'application/octet-stream' }, BYTES),
    stored: { datacontenttype: 'application/octet-stream', data_base64: BYTES_BASE64 },
  },
  {
    name: 'binary: no Content-Type means bytes',
    send: (id) => binary(id, {}, BYTES),
    stored: { data_base64: BYTES_BASE64 },
  },
  {
    name: 'binary: application/json is the JSON value',
    send: (id) => binary(id, { 'content-type': 'application/json' }, '{"a":1}'),
    stored: { datacontenttype: 'application/json', data: { a: 1 } },
  },
  {
    name: 'binary: a JSON number under application/json; charset=UTF-8',
    send: (id) => binary(id, { 'content-type': 'application/json; charset=UTF-8' }, '42'),
    stored: { datacontenttype: 'application/json; charset=UTF-8', data: 42 },
  },
  {
    name: 'binary: a JSON boolean under a +json type',
    send: (id) => binary(id, { 'content-type': 'application/vnd.example+json' }, 'true'),
    stored: { datacontenttype: 'application/vnd.example+json', data: true },
  },
  {
    name: 'binary: text/plain is text, a byte-order mark included',
    send: (id) => binary(id, { 'content-type': 'text/plain' }, '\uFEFFhello é'),
    stored: { datacontenttype: 'text/plain', data: '\uFEFFhello é' },
  },
  {
    name: 'binary: text that is not UTF-8 stays bytes',
    send: (id) => binary(id, { 'content-type': 'text/plain' }, BYTES),
    stored: { datacontenttype: 'text/plain', data_base64: BYTES_BASE64 },
  },
  {
    name: 'binary: text in another charset stays bytes',
    send: (id) => binary(id, { 'content-type': 'text/plain; charset=iso-8859-1' }, new Uint8Array([0xe9])),
    stored: { datacontenttype: 'text/plain; charset=iso-8859-1', data_base64: '6Q==' },
  },
  {
    name: 'binary: ce-* values are percent-decoded as UTF-8',
    send: (id) => binary(id, { 'ce-subject': 'Euro%20%E2%82%AC%20%F0%9F%98%80', 'ce-team': 'caf%C3%A9' }),
    stored: { subject: 'Euro € 😀', team: 'café' },
  },
  {
    name: 'binary: an empty body is no data',
    send: (id) => binary(id, { 'content-type': 'application/json' }, ''),
    stored: { datacontenttype: 'application/json' },
  },
  {
    name: 'structured: an optional attribute that is null is absent',
    send: (id) => structured({ id, subject: null, dataschema: null, datacontenttype: null, time: null }),
    stored: {},
  },
  {
    name: 'structured: an extension that is null is absent; strings, booleans and integers are kept',
    send: (id) => structured({ id, gone: null, flag: true, count: -2147483648, label: 'ü' }),
    stored: { flag: true, count: -2147483648, label: 'ü' },
  },
  {
    name: 'structured: data_base64 is stored as bytes and read back the same',
    send: (id) => structured({ id, datacontenttype: 'application/octet-stream', data_base64: BYTES_BASE64 }),
    stored: { datacontenttype: 'application/octet-stream', data_base64: BYTES_BASE64 },
  },
  {
    name: 'structured: JSON data of any kind is kept as the value',
    send: (id) => structured({ id, data: [null, 'x', 1.5, { nested: [] }] }),
    stored: { data: [null, 'x', 1.5, { nested: [] }] },
  },
  {
    name: 'time: lower-case t and z are RFC 3339, and kept as sent',
    send: (id) => structured({ id, time: '2024-05-01t12:00:00z' }),
    stored: { time: '2024-05-01t12:00:00z' },
  },
  {
    name: 'time: a leap second and a numeric offset',
    send: (id) => structured({ id, time: '2016-12-31T23:59:60.5+01:00' }),
    stored: { time: '2016-12-31T23:59:60.5+01:00' },
  },
]

describe('accepted as CloudEvents 1.0.2 allows, and read back as sent', () => {
  for (const row of accepted) {
    it(row.name, async () => {
      const id = `ok-${crypto.randomUUID()}`
      const response = await row.send(id)
      expect(response.status, await response.clone().text()).toBe(201)
      const event = await readEvent(id)
      // What the log answers is a valid logged event by the schema the API documents.
      expect(v.safeParse(LoggedEvent, event).issues).toBeUndefined()
      const { specversion, source, type, seq, time, id: storedId, ...rest } = event as LoggedEvent
      expect({ specversion, source, type, id: storedId }).toEqual({
        specversion: '1.0',
        source: '/spec',
        type: 'com.example.spec',
        id,
      })
      expect(seq).toBeGreaterThan(1)
      expect(typeof time).toBe('string')
      const { time: expectedTime, ...expected } = row.stored
      if (expectedTime !== undefined) expect(time).toBe(expectedTime)
      expect(rest).toEqual(expected)
    })
  }
})

interface Refused {
  name: string
  send: (id: string) => Promise<Response>
  status: number
  code: string
  /** The `details` path that names the attribute, where the error has details. */
  path?: string
}

const refused: Refused[] = [
  {
    name: 'binary: a body that is not JSON under application/json',
    send: (id) => binary(id, { 'content-type': 'application/json' }, 'not json'),
    status: 400,
    code: 'invalid_data',
  },
  {
    name: 'binary: a ce-* value that is not validly percent-encoded',
    send: (id) => binary(id, { 'ce-subject': 'half%E2%82' }),
    status: 400,
    code: 'validation_failed',
    path: 'ce-subject',
  },
  {
    name: 'binary: a bare % in a ce-* value',
    send: (id) => binary(id, { 'ce-subject': '100%' }),
    status: 400,
    code: 'validation_failed',
    path: 'ce-subject',
  },
  {
    name: 'binary: ce-datacontenttype (the type travels as Content-Type)',
    send: (id) => binary(id, { 'ce-datacontenttype': 'text/plain' }),
    status: 400,
    code: 'validation_failed',
    path: 'ce-datacontenttype',
  },
  {
    name: 'binary: without ce-specversion',
    send: (id) =>
      call(`/v1/sites/${site.id}/events`, {
        method: 'POST',
        headers: { 'ce-id': id, 'ce-source': '/spec', 'ce-type': 'com.example.spec' },
      }),
    status: 400,
    code: 'validation_failed',
    path: 'ce-specversion',
  },
  {
    name: 'binary: a Content-Type that is not a media type',
    send: (id) => binary(id, { 'content-type': 'json' }, '{}'),
    status: 400,
    code: 'validation_failed',
    path: 'content-type',
  },
  {
    name: 'structured: data together with data_base64',
    send: (id) => structured({ id, data: 1, data_base64: BYTES_BASE64 }),
    status: 400,
    code: 'validation_failed',
    path: 'data_base64',
  },
  {
    name: 'structured: data_base64 that is not base64',
    send: (id) => structured({ id, data_base64: 'not base64!' }),
    status: 400,
    code: 'validation_failed',
    path: 'data_base64',
  },
  {
    name: 'structured: a required attribute that is null',
    send: (id) => structured({ id, source: null }),
    status: 400,
    code: 'validation_failed',
    path: 'source',
  },
  {
    name: 'structured: an empty subject',
    send: (id) => structured({ id, subject: '' }),
    status: 400,
    code: 'validation_failed',
    path: 'subject',
  },
  {
    name: 'structured: a source that is not a URI-reference',
    send: (id) => structured({ id, source: 'has spaces' }),
    status: 400,
    code: 'validation_failed',
    path: 'source',
  },
  {
    name: 'structured: a dataschema that is not an absolute URI',
    send: (id) => structured({ id, dataschema: '/relative' }),
    status: 400,
    code: 'validation_failed',
    path: 'dataschema',
  },
  {
    name: 'structured: an extension holding an object',
    send: (id) => structured({ id, extra: { a: 1 } }),
    status: 400,
    code: 'validation_failed',
    path: 'extra',
  },
  {
    name: 'structured: an extension holding a fraction',
    send: (id) => structured({ id, ratio: 0.5 }),
    status: 400,
    code: 'validation_failed',
    path: 'ratio',
  },
  {
    name: 'structured: an extension integer outside 32 bits',
    send: (id) => structured({ id, big: 2 ** 31 }),
    status: 400,
    code: 'validation_failed',
    path: 'big',
  },
  {
    name: 'time: an offset without its minutes',
    send: (id) => structured({ id, time: '2024-05-01T12:00:00+02' }),
    status: 400,
    code: 'validation_failed',
    path: 'time',
  },
  {
    name: 'time: a space before the offset',
    send: (id) => structured({ id, time: '2024-05-01T12:00:00 +02:00' }),
    status: 400,
    code: 'validation_failed',
    path: 'time',
  },
  {
    name: 'time: a day the calendar does not have',
    send: (id) => structured({ id, time: '2023-02-29T12:00:00Z' }),
    status: 400,
    code: 'validation_failed',
    path: 'time',
  },
  {
    name: 'a format other than JSON',
    send: (id) => structured({ id }, 'application/cloudevents+xml'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'an event over the size limit, counted as stored: bytes once, not as base64',
    send: (id) => binary(id, { 'content-type': 'application/octet-stream' }, new Uint8Array(256 * 1024)),
    status: 413,
    code: 'event_too_large',
  },
]

describe('refused at the door with a clear error, and nothing stored', () => {
  for (const row of refused) {
    it(row.name, async () => {
      const before = await head()
      const id = `bad-${crypto.randomUUID()}`
      const response = await row.send(id)
      expect(response.status).toBe(row.status)
      const body = (await response.json()) as ErrorBody & { error: { details?: { path: string }[] } }
      expect(body.error.code).toBe(row.code)
      expect(body.error.message.length).toBeGreaterThan(0)
      if (row.path !== undefined) expect(body.error.details?.map((d) => d.path)).toContain(row.path)
      expect(await head()).toBe(before)
      expect(await readEvent(id)).toBeUndefined()
    })
  }

  it('names the limit when an event is too large', async () => {
    const response = await binary(
      'big',
      { 'content-type': 'application/octet-stream' },
      new Uint8Array(300_000),
    )
    const body = (await response.json()) as ErrorBody
    expect(body.error.message).toContain(String(256 * 1024))
    expect(body.error.details).toEqual({ limit_bytes: 256 * 1024, index: 0 })
  })

  it('takes an event just under the limit in bytes, though its base64 would be over it', async () => {
    const id = `near-${crypto.randomUUID()}`
    const response = await binary(
      id,
      { 'content-type': 'application/octet-stream' },
      new Uint8Array(250 * 1024),
    )
    expect(response.status).toBe(201)
    expect((await readEvent(id))?.data_base64).toHaveLength(Math.ceil((250 * 1024) / 3) * 4)
  })
})

describe('batches', () => {
  it('an empty batch stores nothing and answers with no items', async () => {
    const before = await head()
    const response = await call(`/v1/sites/${site.id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: '[]',
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ items: [], head_seq: before })
    expect(await head()).toBe(before)
  })

  it('names the event and the attribute when one event of a batch is bad', async () => {
    const before = await head()
    const response = await call(`/v1/sites/${site.id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([
        { specversion: '1.0', id: 'b1', source: '/spec', type: 'com.example.spec' },
        { specversion: '1.0', id: 'b2', source: '/spec', type: 'com.example.spec', time: 'yesterday' },
      ]),
    })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { details: { path: string }[] } }
    expect(body.error.details.map((d) => d.path)).toEqual(['1.time'])
    expect(await head()).toBe(before)
  })

  it('takes binary data in a batch as data_base64 and keeps the bytes', async () => {
    const id = `batch-bytes-${crypto.randomUUID()}`
    const response = await call(`/v1/sites/${site.id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([
        { specversion: '1.0', id, source: '/spec', type: 'com.example.spec', data_base64: BYTES_BASE64 },
      ]),
    })
    expect(response.status).toBe(201)
    expect((await readEvent(id))?.data_base64).toBe(BYTES_BASE64)
  })
})

describe('reading one event', () => {
  it('answers in binary mode with the very bytes, percent-encoded headers and the content type', async () => {
    const id = `one-${crypto.randomUUID()}`
    const appended = (await (
      await binary(
        id,
        { 'content-type': 'application/octet-stream', 'ce-subject': 'Euro%20%E2%82%AC' },
        BYTES,
      )
    ).json()) as { items: { seq: number }[] }
    const seq = appended.items[0]?.seq
    const response = await call(`/v1/sites/${site.id}/events/${seq}?mode=binary`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    expect(response.headers.get('ce-subject')).toBe('Euro%20%E2%82%AC')
    expect(response.headers.get('ce-id')).toBe(id)
    expect(response.headers.get('ce-seq')).toBe(String(seq))
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BYTES)

    const json = await call(`/v1/sites/${site.id}/events/${seq}`)
    expect(json.headers.get('content-type')).toMatch(/^application\/cloudevents\+json/)
    expect(await json.json()).toMatchObject({ id, subject: 'Euro €', data_base64: BYTES_BASE64, seq })
  })

  it('answers 404 for a seq the log does not hold, and 400 for one that is not a number', async () => {
    const missing = await call(`/v1/sites/${site.id}/events/999999`)
    expect(missing.status).toBe(404)
    const bad = await call(`/v1/sites/${site.id}/events/1?mode=sideways`)
    expect(bad.status).toBe(400)
  })
})
