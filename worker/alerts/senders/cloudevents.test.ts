import { describe, expect, it } from 'vitest'
import type { ApiError } from '../../http/errors'
import { cloudevents } from './cloudevents'
import { labelsV1 } from './fingerprint'
import { basic, context, malformedDetails, request } from './test-support'

const settings = { kind: 'cloudevents' as const }
const data = {
  status: 'firing',
  name: 'QueueBacklog',
  summary: 'orders queue has 12k messages',
  severity: 'high',
  labels: { queue: 'orders', cluster: 'eu-1' },
  annotations: { runbook: 'https://runbooks.example/queues' },
}

/** Binary mode, as the CloudEvents SDKs send it: attributes in `ce-*` headers, the body is the data. */
const binary = (body: unknown, extra: Record<string, string> = {}) =>
  request({
    body: JSON.stringify(body),
    headers: {
      'ce-specversion': '1.0',
      'ce-id': 'evt-42',
      'ce-source': '//monitor.example/queues',
      'ce-type': 'com.example.queue.backlog',
      'ce-time': '2026-12-03T21:33:00Z',
      'content-type': 'application/json',
      ...extra,
    },
  })

const structured = (event: Record<string, unknown>) =>
  request({
    body: JSON.stringify({
      specversion: '1.0',
      id: 'evt-43',
      source: '//monitor.example/disks',
      type: 'com.example.disk.full',
      ...event,
    }),
    headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
  })

describe('cloudevents sender', () => {
  it('accepts Bearer, Basic or ?access_token=, with either secret', async () => {
    const ctx = context(settings, ['a', 'b'])
    const body = '{}'
    expect(
      await cloudevents.authenticate(request({ body, headers: { authorization: 'Bearer a' } }), ctx),
    ).toEqual({
      ok: true,
    })
    expect(
      await cloudevents.authenticate(request({ body, headers: { authorization: basic('x', 'b') } }), ctx),
    ).toEqual({ ok: true })
    expect(
      await cloudevents.authenticate(
        request({ body, url: 'https://sitewire.test/v1/hooks/i?access_token=b' }),
        ctx,
      ),
    ).toEqual({ ok: true })
    expect(
      await cloudevents.authenticate(request({ body, headers: { authorization: 'Bearer c' } }), ctx),
    ).toEqual({
      ok: false,
      reason: 'wrong_secret',
    })
    expect(await cloudevents.authenticate(request({ body }), ctx)).toEqual({
      ok: false,
      reason: 'missing_credentials',
    })
  })

  it('turns a binary-mode event into an alert field by field', () => {
    expect(cloudevents.parse(binary(data), context(settings))).toEqual({
      deliveryId: '//monitor.example/queues evt-42',
      alerts: [
        {
          ...labelsV1({ queue: 'orders', cluster: 'eu-1' }),
          episode: null,
          name: 'QueueBacklog',
          summary: 'orders queue has 12k messages',
          status: 'firing',
          severity: 'high',
          labels: { queue: 'orders', cluster: 'eu-1' },
          annotations: { runbook: 'https://runbooks.example/queues' },
          starts_at: '2026-12-03T21:33:00.000Z',
          ends_at: null,
          links: [],
          resolve_after_seconds: null,
        },
      ],
    })
    const [alert] = cloudevents.parse(binary(data), context(settings)).alerts
    expect(alert?.fingerprint_formula).toBe('labels-v1:cluster,queue')
  })

  it('reads structured mode, a verbatim fingerprint, a resolution, and falls back on source and subject', () => {
    const resolved = cloudevents.parse(
      structured({ time: '2026-12-03T21:40:00Z', data: { status: 'resolved', fingerprint: 'disk-db-1' } }),
      context(settings),
    )
    expect(resolved.deliveryId).toBe('//monitor.example/disks evt-43')
    expect(resolved.alerts[0]).toMatchObject({
      fingerprint: 'disk-db-1',
      fingerprint_formula: 'cloudevents:data.fingerprint',
      name: 'com.example.disk.full',
      status: 'resolved',
      severity: 'warning',
      ends_at: '2026-12-03T21:40:00.000Z',
    })
    const [plain] = cloudevents.parse(
      structured({ subject: 'db-1', data: { status: 'burning', labels: { bad: 1 } } }),
      context(settings),
    ).alerts
    expect(plain).toMatchObject({
      ...labelsV1({ source: '//monitor.example/disks', subject: 'db-1' }),
      fingerprint_formula: 'labels-v1:source,subject',
      status: 'firing',
      labels: {},
    })
  })

  it('restricts the labels fingerprint to fingerprint_labels', () => {
    const [alert] = cloudevents.parse(
      binary(data),
      context({ ...settings, fingerprint_labels: ['queue'] }),
    ).alerts
    expect(alert?.fingerprint).toBe(labelsV1({ queue: 'orders' }).fingerprint)
    expect(alert?.fingerprint_formula).toBe('labels-v1:queue')
  })

  it('refuses an event it cannot read as malformed, naming the attribute', () => {
    expect(
      malformedDetails(() => cloudevents.parse(binary(data, { 'ce-specversion': '0.3' }), context(settings))),
    ).toEqual([{ path: 'ce-specversion', message: expect.any(String) }])
    expect(
      malformedDetails(() =>
        cloudevents.parse(
          request({ body: '{"specversion":', headers: { 'content-type': 'application/cloudevents+json' } }),
          context(settings),
        ),
      ),
    ).toEqual([{ path: '', message: expect.stringContaining('not valid JSON') }])
    try {
      cloudevents.parse(request({ body: 'x', headers: { 'content-type': 'text/plain' } }), context(settings))
      expect.unreachable()
    } catch (error) {
      expect((error as ApiError).status).toBe(415)
    }
  })
})
