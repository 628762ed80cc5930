import { describe, expect, it } from 'vitest'
import { alertmanager } from './alertmanager'
import { basic, context, malformedDetails, request } from './test-support'

/** The body captured from Alertmanager 0.25 (research file §1), with its common labels filled in. */
const captured = {
  receiver: 'sitewire',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighLatency', instance: 'web-1', service: 'api', severity: 'critical' },
      annotations: { summary: 'p99 latency high' },
      startsAt: '2026-12-03T21:33:44.407126635Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom.example/graph',
      fingerprint: 'd0c296e49fc4ad26',
    },
  ],
  groupLabels: { alertname: 'HighLatency', service: 'api' },
  commonLabels: { alertname: 'HighLatency', instance: 'web-1', service: 'api', severity: 'critical' },
  commonAnnotations: { summary: 'p99 latency high' },
  externalURL: 'http://127.0.0.1:19093',
  version: '4',
  groupKey: '{}:{alertname="HighLatency", service="api"}',
  truncatedAlerts: 1,
}

const settings = { kind: 'alertmanager' as const }

describe('alertmanager sender', () => {
  it('accepts the Bearer token Alertmanager sends, and either secret while rotating', async () => {
    const ctx = context(settings, ['old-token', 'new-token'])
    for (const token of ['old-token', 'new-token']) {
      const verdict = await alertmanager.authenticate(
        request({ body: '{}', headers: { authorization: `Bearer ${token}` } }),
        ctx,
      )
      expect(verdict).toEqual({ ok: true })
    }
  })

  it('accepts Basic with the secret as password, any user', async () => {
    const verdict = await alertmanager.authenticate(
      request({ body: '{}', headers: { authorization: basic('prometheus', 's3cret-current') } }),
      context(settings),
    )
    expect(verdict).toEqual({ ok: true })
  })

  it('refuses a wrong or missing secret', async () => {
    const ctx = context(settings)
    expect(
      await alertmanager.authenticate(
        request({ body: '{}', headers: { authorization: 'Bearer nope' } }),
        ctx,
      ),
    ).toEqual({ ok: false, reason: 'wrong_secret' })
    expect(
      await alertmanager.authenticate(
        request({ body: '{}', headers: { authorization: basic('prometheus', 'nope') } }),
        ctx,
      ),
    ).toEqual({ ok: false, reason: 'wrong_secret' })
    expect(await alertmanager.authenticate(request({ body: '{}' }), ctx)).toEqual({
      ok: false,
      reason: 'missing_credentials',
    })
  })

  it('normalises the captured delivery field by field', () => {
    const parsed = alertmanager.parse(request({ body: JSON.stringify(captured) }), context(settings))
    expect(parsed).toEqual({
      deliveryId: null,
      alerts: [
        {
          fingerprint: 'd0c296e49fc4ad26',
          fingerprint_formula: 'alertmanager',
          episode: '2026-12-03T21:33:44.407126635Z',
          name: 'HighLatency',
          summary: 'p99 latency high',
          status: 'firing',
          severity: 'critical',
          labels: { alertname: 'HighLatency', instance: 'web-1', service: 'api', severity: 'critical' },
          annotations: { summary: 'p99 latency high' },
          starts_at: '2026-12-03T21:33:44.407Z',
          ends_at: null,
          links: [
            { rel: 'source', href: 'http://prom.example/graph' },
            { rel: 'alertmanager', href: 'http://127.0.0.1:19093' },
          ],
          resolve_after_seconds: null,
        },
      ],
    })
  })

  it("takes each alert's own status, never the group's", () => {
    const body = {
      ...captured,
      status: 'resolved',
      notification_reason: 'alert_resolved',
      routeLabels: { team: 'web' },
      alerts: [
        {
          ...captured.alerts[0],
          status: 'resolved',
          endsAt: '2026-12-03T21:40:00Z',
          annotations: { description: 'latency back to normal' },
          labels: { alertname: 'HighLatency', instance: 'web-1', severity: 'page' },
          generatorURL: '',
        },
        {
          ...captured.alerts[0],
          fingerprint: '0123456789abcdef',
          labels: { alertname: 'HighLatency', instance: 'web-2', severity: 'error' },
          annotations: {},
        },
      ],
    }
    const [resolved, firing] = alertmanager.parse(
      request({ body: JSON.stringify(body) }),
      context(settings),
    ).alerts
    expect(resolved?.status).toBe('resolved')
    expect(resolved?.ends_at).toBe('2026-12-03T21:40:00.000Z')
    expect(resolved?.summary).toBe('latency back to normal')
    expect(resolved?.severity).toBe('critical')
    expect(resolved?.links).toEqual([{ rel: 'alertmanager', href: 'http://127.0.0.1:19093' }])
    expect(firing?.status).toBe('firing')
    expect(firing?.ends_at).toBeNull()
    expect(firing?.summary).toBe('HighLatency')
    expect(firing?.severity).toBe('high')
    expect(firing?.fingerprint).toBe('0123456789abcdef')
  })

  it('defaults an unknown severity to warning', () => {
    const body = {
      ...captured,
      alerts: [{ ...captured.alerts[0], labels: { alertname: 'X', severity: 'odd' } }],
    }
    expect(
      alertmanager.parse(request({ body: JSON.stringify(body) }), context(settings)).alerts[0]?.severity,
    ).toBe('warning')
  })

  it('refuses bodies it cannot read, naming what is wrong', () => {
    expect(
      malformedDetails(() => alertmanager.parse(request({ body: '{"alerts":' }), context(settings))),
    ).toEqual([{ path: '', message: expect.stringContaining('not JSON') }])
    const noFingerprint = {
      ...captured,
      alerts: [{ ...captured.alerts[0], fingerprint: undefined, status: 'pending' }],
    }
    expect(
      malformedDetails(() =>
        alertmanager.parse(request({ body: JSON.stringify(noFingerprint) }), context(settings)),
      ),
    ).toEqual([
      { path: 'alerts.0.status', message: expect.stringContaining('"firing" | "resolved"') },
      { path: 'alerts.0.fingerprint', message: expect.stringContaining('Invalid key') },
    ])
    expect(
      malformedDetails(() =>
        alertmanager.parse(
          request({ body: JSON.stringify({ ...captured, version: '3' }) }),
          context(settings),
        ),
      ),
    ).toEqual([{ path: 'version', message: expect.stringContaining('"4"') }])
  })
})
