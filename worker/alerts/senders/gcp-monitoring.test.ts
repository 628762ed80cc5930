import { describe, expect, it } from 'vitest'
import { incident } from './gcp-fixtures'
import { gcpMonitoring } from './gcp-monitoring'
import { basic, context, malformedDetails, request } from './test-support'

const body = JSON.stringify({ incident, version: '1.2' })
const settings = { kind: 'gcp_monitoring' as const }

describe('gcp_monitoring sender', () => {
  it('accepts Basic (webhook_basicauth) or ?auth_token= (webhook_tokenauth), either secret', async () => {
    const ctx = context(settings, ['one', 'two'])
    expect(
      await gcpMonitoring.authenticate(
        request({ body, headers: { authorization: basic('gcp', 'one') } }),
        ctx,
      ),
    ).toEqual({ ok: true })
    expect(
      await gcpMonitoring.authenticate(
        request({ body, url: 'https://sitewire.test/v1/hooks/i?auth_token=two' }),
        ctx,
      ),
    ).toEqual({ ok: true })
    expect(
      await gcpMonitoring.authenticate(
        request({ body, url: 'https://sitewire.test/v1/hooks/i?auth_token=x' }),
        ctx,
      ),
    ).toEqual({ ok: false, reason: 'wrong_secret' })
    expect(await gcpMonitoring.authenticate(request({ body }), ctx)).toEqual({
      ok: false,
      reason: 'missing_credentials',
    })
    expect(gcpMonitoring.secretParams).toEqual(['auth_token'])
  })

  it('normalises an open incident field by field', () => {
    expect(gcpMonitoring.parse(request({ body }), context(settings))).toEqual({
      deliveryId: null,
      alerts: [
        {
          fingerprint: '0.opqiw61fsv7p',
          fingerprint_formula: 'gcp_monitoring',
          episode: null,
          name: 'High CPU',
          summary: 'CPU utilization for shop-vm-1 is above the threshold of 0.9 with a value of 0.97.',
          status: 'firing',
          severity: 'critical',
          labels: {
            team: 'shop',
            instance_name: 'shop-vm-1',
            instance_id: '4418101',
            project_id: 'shop-prod',
            zone: 'europe-west1-b',
            policy_name: 'High CPU',
            condition_name: 'CPU > 90%',
            resource_type: 'gce_instance',
            metric_type: 'compute.googleapis.com/instance/cpu/utilization',
          },
          annotations: {
            metric: 'CPU utilization',
            observed_value: '0.970',
            threshold_value: '0.9',
            documentation: 'Scale the group.',
          },
          starts_at: '2026-12-03T21:30:00.000Z',
          ends_at: null,
          links: [{ rel: 'console', href: incident.url }],
          resolve_after_seconds: null,
        },
      ],
    })
  })

  it('resolves a closed incident, and reads the test notification leniently', () => {
    const closed = JSON.stringify({
      incident: { ...incident, state: 'closed', ended_at: 1796333700 },
      version: '1.2',
    })
    const [alert] = gcpMonitoring.parse(request({ body: closed }), context(settings)).alerts
    expect(alert?.status).toBe('resolved')
    expect(alert?.ends_at).toBe('2026-12-03T21:35:00.000Z')
    const test = JSON.stringify({
      incident: { ...incident, state: 'OPEN', documentation: 'Test', severity: 'no severity' },
      version: 'test',
    })
    const [probe] = gcpMonitoring.parse(request({ body: test }), context(settings)).alerts
    expect(probe?.status).toBe('firing')
    expect(probe?.severity).toBe('warning')
    expect(probe?.annotations.documentation).toBe('Test')
  })

  it('refuses a body that is not an incident', () => {
    const bad = JSON.stringify({ incident: { ...incident, state: 'acknowledged', started_at: 'yesterday' } })
    expect(malformedDetails(() => gcpMonitoring.parse(request({ body: bad }), context(settings)))).toEqual([
      { path: 'incident.state', message: expect.stringContaining('"open" | "closed"') },
      { path: 'incident.started_at', message: expect.stringContaining('Expected number') },
    ])
  })
})
