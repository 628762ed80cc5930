import { CloudEvent, HTTP } from 'cloudevents'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AppendResult } from '../../schema/api/events'
import type { Site } from '../../schema/api/sites'
import type { LoggedEvent } from '../../schema/events'
import { type Client, createSite, eventually, newTenant, openEventStream } from '../../test/worker-support'

/**
 * The official SDK as the client: events it writes in binary and structured mode come back
 * unchanged through every read path, as `HTTP.toEvent` reads them.
 */
let call: Client
let site: Site

beforeAll(async () => {
  call = (await newTenant()).client
  site = await createSite(call)
})

type Mode = 'binary' | 'structured'

/** The SDK's message, with `ce-*` values percent-encoded as the HTTP binding asks of senders. */
const send = async (event: CloudEvent<unknown>, mode: Mode): Promise<number> => {
  const message = mode === 'binary' ? HTTP.binary(event) : HTTP.structured(event)
  const headers = Object.entries(message.headers).map(([name, value]): [string, string] => [
    name,
    name.startsWith('ce-') ? encodeURIComponent(String(value)) : String(value),
  ])
  const response = await call(`/v1/sites/${site.id}/events`, {
    method: 'POST',
    headers,
    body: message.body as BodyInit,
  })
  expect(response.status, await response.clone().text()).toBe(201)
  const seq = ((await response.json()) as AppendResult).items[0]?.seq
  if (seq === undefined) throw new Error('no seq')
  return seq
}

/** Read back as the JSON format, through `GET …/events`. */
const readStructured = async (seq: number) => {
  const page = (await (await call(`/v1/sites/${site.id}/events?after=${seq - 1}&limit=1`)).json()) as {
    items: LoggedEvent[]
  }
  return fromStructured(page.items[0])
}

const fromStructured = (event: LoggedEvent | undefined) =>
  HTTP.toEvent({
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(event),
  }) as CloudEvent<unknown>

/** Read back in binary mode, through `GET …/events/{seq}?mode=binary`; the SDK does not percent-decode. */
const readBinary = async (seq: number) => {
  const response = await call(`/v1/sites/${site.id}/events/${seq}?mode=binary`)
  expect(response.status).toBe(200)
  const headers = Object.fromEntries(
    [...response.headers].map(([name, value]) => [
      name,
      name.startsWith('ce-') ? decodeURIComponent(value) : value,
    ]),
  )
  const type = headers['content-type'] ?? ''
  const bytes = new Uint8Array(await response.arrayBuffer())
  const body = /json|^text\//.test(type) ? new TextDecoder().decode(bytes) : bytes
  return HTTP.toEvent({ headers, body }) as CloudEvent<unknown>
}

/** An event as plain JSON, without the `seq` the log adds. */
const plain = (event: CloudEvent<unknown>) => {
  const { seq: _, ...rest } = JSON.parse(JSON.stringify(event)) as Record<string, unknown>
  return rest
}

const expectSame = (read: CloudEvent<unknown>, sent: CloudEvent<unknown>, seq: number) => {
  expect(Number(read.seq)).toBe(seq)
  expect(plain(read)).toEqual(plain(sent))
}

const CORE = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
  'data',
  'seq',
  'schemaurl',
  'datacontentencoding',
])
const extensionName = fc.stringMatching(/^[a-z0-9]{1,20}$/).filter((name) => !CORE.has(name))
const text = fc.string({ unit: 'grapheme', maxLength: 40 })

let serial = 0
const event = (fields: Record<string, unknown>) =>
  new CloudEvent<unknown>({ id: `rt-${++serial}`, source: '/sdk', type: 'com.example.rt', ...fields })

// A failure is reported as it is, not shrunk: each shrinking step is more requests.
const RUNS = { numRuns: 20, endOnFailure: true }
/** Each property appends and reads back a few hundred times: on a loaded machine that takes a while. */
const PROPERTY_MS = 120_000

// Retried: on a machine loaded by the whole suite a request can fail for want of time; a
// broken round trip fails every try.
describe('the SDK round-trips events through the log', { retry: 2 }, () => {
  it(
    'arbitrary bytes, in binary and structured mode, read as JSON and in binary mode',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 1, maxLength: 4096 }),
          fc.constantFrom<Mode>('binary', 'structured'),
          async (bytes, mode) => {
            const sent = event({ datacontenttype: 'application/octet-stream', data: bytes })
            const seq = await send(sent, mode)
            const structured = await readStructured(seq)
            expectSame(structured, sent, seq)
            expect(Uint8Array.from(structured.data as ArrayLike<number>)).toEqual(bytes)
            const binary = await readBinary(seq)
            expectSame(binary, sent, seq)
            expect(new Uint8Array(binary.data as Uint8Array)).toEqual(bytes)
          },
        ),
        RUNS,
      )
    },
    PROPERTY_MS,
  )

  it(
    'arbitrary JSON values keep their value',
    async () => {
      const value = fc.jsonValue().filter((v) => typeof v === 'object' && v !== null)
      await fc.assert(
        fc.asyncProperty(value, fc.constantFrom<Mode>('binary', 'structured'), async (data, mode) => {
          const sent = event({ datacontenttype: 'application/json', data })
          const seq = await send(sent, mode)
          expectSame(await readStructured(seq), sent, seq)
          expectSame(await readBinary(seq), sent, seq)
        }),
        RUNS,
      )
    },
    PROPERTY_MS,
  )

  it(
    'arbitrary scalar JSON values keep their value in structured mode',
    async () => {
      // Compared as JSON: the SDK's reader drops falsy data ("", 0, false, null), which the log keeps.
      const scalar = fc.oneof(
        text,
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constant(null),
      )
      await fc.assert(
        fc.asyncProperty(scalar, async (data) => {
          const seq = await send(event({ datacontenttype: 'application/json', data }), 'structured')
          const page = (await (
            await call(`/v1/sites/${site.id}/events?after=${seq - 1}&limit=1`)
          ).json()) as {
            items: LoggedEvent[]
          }
          expect(page.items[0]).toHaveProperty('data')
          expect(JSON.stringify(page.items[0]?.data)).toBe(JSON.stringify(data))
        }),
        RUNS,
      )
    },
    PROPERTY_MS,
  )

  it(
    'arbitrary extension values, non-ASCII included, in structured mode keep their type',
    async () => {
      const value = fc.oneof(text, fc.boolean(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }))
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(extensionName, value, { maxKeys: 5 }),
          text.filter((s) => s.length > 0),
          async (extensions, subject) => {
            const sent = event({
              ...extensions,
              subject,
              datacontenttype: 'application/json',
              data: { ok: true },
            })
            const seq = await send(sent, 'structured')
            expectSame(await readStructured(seq), sent, seq)
            expectSame(await readBinary(seq), event({ ...plain(sent), ...stringsOf(extensions) }), seq)
          },
        ),
        RUNS,
      )
    },
    PROPERTY_MS,
  )

  it(
    'arbitrary extension values, non-ASCII included, in binary mode (where every value is a string)',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(extensionName, text, { maxKeys: 5 }),
          text.filter((s) => s.length > 0),
          async (extensions, subject) => {
            const sent = event({ ...extensions, subject, datacontenttype: 'text/plain', data: 'plain text' })
            const seq = await send(sent, 'binary')
            expectSame(await readStructured(seq), sent, seq)
            expectSame(await readBinary(seq), sent, seq)
          },
        ),
        RUNS,
      )
    },
    PROPERTY_MS,
  )
})

/** In binary mode every attribute is a header, so a value reads back as its text. */
const stringsOf = (extensions: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(extensions).map(([name, value]) => [name, String(value)]))

describe('the other read paths', () => {
  const type = 'com.example.stream'
  const samples = () => [
    event({ type, datacontenttype: 'application/octet-stream', data: new Uint8Array([0, 0x80, 0xff, 0x0a]) }),
    event({ type, datacontenttype: 'application/json', data: { a: [1, 'é'] }, region: 'Zürich' }),
    event({ type, subject: 'Euro € 😀', datacontenttype: 'text/plain', data: 'line\n' }),
  ]

  // Its own type, so that nothing another test appends can come between.
  const connect = (after: number) => openEventStream(call, site.id, `after=${after}&type=${type}`)

  it('the WebSocket stream, backlog and live, sends each event as it was sent', async () => {
    const before = samples()
    const seqs: number[] = []
    for (const [i, sent] of before.entries())
      seqs.push(await send(sent, i % 2 === 0 ? 'binary' : 'structured'))
    const first = seqs[0] ?? 0
    const { socket, received } = await connect(first - 1)
    const live = samples()
    for (const [i, sent] of live.entries()) seqs.push(await send(sent, i % 2 === 0 ? 'structured' : 'binary'))
    const frames = await eventually(async () => (received.length >= 6 ? received : undefined))
    socket.close()
    const all = [...before, ...live]
    frames.slice(0, 6).forEach((frame, i) => {
      expectSame(fromStructured(frame), all[i] as CloudEvent<unknown>, seqs[i] ?? 0)
    })
  })

  it('the tenant-wide index keeps every attribute it shows, the time in UTC', async () => {
    const sent = event({ subject: 'Euro € 😀', time: '2024-05-01T14:00:00.000+02:00' })
    const message = HTTP.structured(sent)
    const body = JSON.parse(message.body as string) as Record<string, unknown>
    const response = await call(`/v1/sites/${site.id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ ...body, time: '2024-05-01t14:00:00+02:00' }),
    })
    expect(response.status).toBe(201)
    const row = await eventually(async () => {
      const page = (await (
        await call(`/v1/events?site_id=${site.id}&subject=${encodeURIComponent('Euro € 😀')}`)
      ).json()) as {
        items: { id: string; source: string; type: string; subject: string; time: string }[]
      }
      return page.items.find((item) => item.id === sent.id)
    })
    expect(row).toMatchObject({
      id: sent.id,
      source: '/sdk',
      type: 'com.example.rt',
      subject: 'Euro € 😀',
      time: '2024-05-01T12:00:00.000Z',
    })
  })
})
