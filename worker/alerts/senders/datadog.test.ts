import { describe, expect, it } from 'vitest'
import { datadog } from './datadog'
import { datadogV1 } from './fingerprint'
import { basic, context, malformedDetails, request } from './test-support'

/** Our template as Datadog fills it in for a multi-alert monitor's trigger. */
const triggered = {
  id: '7716212519584215296',
  alert_id: '123456789',
  cycle_key: '7716212519584215296',
  aggreg_key: 'a6c6b7d0e1f2',
  transition: 'Triggered',
  scope: 'host:web-1,env:prod',
  priority: 'P2',
  alert_type: 'error',
  title: '[Triggered on {host:web-1,env:prod}] CPU above 90%',
  message: '%%%\nCPU on web-1 is 97%\n%%%',
  tags: 'env:prod,host:web-1,service:api,monitor',
  date: '1796333580000',
  link: 'https://app.datadoghq.com/event/event?id=7716212519584215296',
  hostname: 'web-1',
  metric: 'system.cpu.user',
  event_type: 'query_alert_monitor',
  org_id: '11287',
}

const settings = { kind: 'datadog' as const }

describe('datadog sender', () => {
  it('accepts the secret in the configured header, or Basic', async () => {
    const body = JSON.stringify(triggered)
    expect(
      await datadog.authenticate(
        request({ body, headers: { 'x-sitewire-token': 's3cret-current' } }),
        context(settings),
      ),
    ).toEqual({ ok: true })
    const custom = context({ kind: 'datadog', header: 'X-Ops-Key' }, ['a', 'b'])
    expect(await datadog.authenticate(request({ body, headers: { 'x-ops-key': 'b' } }), custom)).toEqual({
      ok: true,
    })
    expect(
      await datadog.authenticate(request({ body, headers: { authorization: basic('dd', 'a') } }), custom),
    ).toEqual({ ok: true })
    expect(
      await datadog.authenticate(request({ body, headers: { 'x-sitewire-token': 'a' } }), custom),
    ).toEqual({
      ok: false,
      reason: 'missing_credentials',
    })
    expect(await datadog.authenticate(request({ body, headers: { 'x-ops-key': 'c' } }), custom)).toEqual({
      ok: false,
      reason: 'wrong_secret',
    })
  })

  it('normalises a trigger field by field', () => {
    expect(datadog.parse(request({ body: JSON.stringify(triggered) }), context(settings))).toEqual({
      deliveryId: '7716212519584215296',
      alerts: [
        {
          fingerprint: datadogV1('123456789', 'host:web-1,env:prod').fingerprint,
          fingerprint_formula: 'datadog-v1',
          episode: '7716212519584215296',
          name: '[Triggered on {host:web-1,env:prod}] CPU above 90%',
          summary: '%%%\nCPU on web-1 is 97%\n%%%',
          status: 'firing',
          severity: 'high',
          labels: { host: 'web-1', env: 'prod', service: 'api', monitor: '', monitor_id: '123456789' },
          annotations: {
            transition: 'Triggered',
            priority: 'P2',
            metric: 'system.cpu.user',
            event_type: 'query_alert_monitor',
            aggreg_key: 'a6c6b7d0e1f2',
          },
          starts_at: '2026-12-03T21:33:00.000Z',
          ends_at: null,
          links: [{ rel: 'source', href: 'https://app.datadoghq.com/event/event?id=7716212519584215296' }],
          resolve_after_seconds: null,
        },
      ],
    })
    expect(datadogV1('123456789', 'host:web-1,env:prod').fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(datadogV1('123456789', 'host:web-2,env:prod').fingerprint).not.toBe(
      datadogV1('123456789', 'host:web-1,env:prod').fingerprint,
    )
  })

  it('resolves on Recovered and maps Warn to warning', () => {
    const recovered = { ...triggered, id: '2', transition: 'Recovered', alert_type: 'success' }
    const [resolved] = datadog.parse(request({ body: JSON.stringify(recovered) }), context(settings)).alerts
    expect(resolved?.status).toBe('resolved')
    expect(resolved?.ends_at).toBe('2026-12-03T21:33:00.000Z')
    expect(resolved?.episode).toBe('7716212519584215296')
    const warn = { ...triggered, id: '3', transition: 'Warn', priority: 'P1' }
    const [warning] = datadog.parse(request({ body: JSON.stringify(warn) }), context(settings)).alerts
    expect(warning?.status).toBe('firing')
    expect(warning?.severity).toBe('warning')
    const noPriority = { ...triggered, id: '4', transition: 'No Data', priority: '', alert_type: 'error' }
    const [noData] = datadog.parse(request({ body: JSON.stringify(noPriority) }), context(settings)).alerts
    expect(noData?.status).toBe('firing')
    expect(noData?.severity).toBe('high')
  })

  it('refuses a delivery without the event or monitor id', () => {
    const body = JSON.stringify({ ...triggered, id: '', alert_id: undefined })
    expect(malformedDetails(() => datadog.parse(request({ body }), context(settings)))).toEqual([
      { path: 'id', message: 'the event id ($ID) is empty' },
      { path: 'alert_id', message: expect.stringContaining('Invalid key') },
    ])
  })
})
