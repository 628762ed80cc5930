import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { labelsV1 } from './fingerprint'
import { hmacSha256Hex } from './hmac'
import { context, malformedDetails, NOW, request } from './test-support'
import { webhook } from './webhook'

const SECRET_A = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SECRET_B = `whsec_${btoa('a second key of thirty-two bytes')}`
const standard = { kind: 'webhook' as const, signing: 'standard_webhooks' as const }
const github = { kind: 'webhook' as const, signing: 'github' as const }

const alert = {
  name: 'BackupFailed',
  severity: 'high',
  summary: 'nightly backup of db-1 failed',
  labels: { host: 'db-1', job: 'backup' },
  starts_at: '2026-12-03T02:00:00Z',
  links: [{ rel: 'source', href: 'https://backup.example/runs/77' }],
}
const body = JSON.stringify(alert)
const seconds = Math.floor(NOW / 1000)

/** Signed as a Standard Webhooks sender signs, with the package's own signer. */
const signedStandard = (secret: string, id = 'msg_2Kx', ts = seconds, payload = body) => {
  const signature = new Webhook(secret).sign(id, new Date(ts * 1000), payload)
  return request({
    body: payload,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature },
  })
}

describe('webhook sender', () => {
  it('verifies Standard Webhooks signatures with either secret', async () => {
    const ctx = context(standard, [SECRET_A, SECRET_B])
    expect(await webhook.authenticate(signedStandard(SECRET_A), ctx)).toEqual({ ok: true })
    expect(await webhook.authenticate(signedStandard(SECRET_B), ctx)).toEqual({ ok: true })
  })

  it('accepts a signature list where one entry matches', async () => {
    const good = signedStandard(SECRET_A)
    good.headers.set('webhook-signature', `v1,AAAA ${good.headers.get('webhook-signature')}`)
    expect(await webhook.authenticate(good, context(standard, [SECRET_A]))).toEqual({ ok: true })
  })

  it('refuses a wrong key, a changed body, a stale timestamp, missing headers', async () => {
    const ctx = context(standard, [SECRET_A])
    expect(await webhook.authenticate(signedStandard(SECRET_B), ctx)).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
    const tampered = signedStandard(SECRET_A)
    expect(
      await webhook.authenticate({ ...tampered, body: new TextEncoder().encode(`${body} `) }, ctx),
    ).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
    expect(await webhook.authenticate(signedStandard(SECRET_A, 'msg_1', seconds - 301), ctx)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    })
    expect(await webhook.authenticate(signedStandard(SECRET_A, 'msg_1', seconds + 301), ctx)).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    })
    expect(await webhook.authenticate(request({ body }), ctx)).toEqual({
      ok: false,
      reason: 'missing_signature',
    })
  })

  it('verifies GitHub-style signatures with either secret', async () => {
    const ctx = context(github, ['gh-one', 'gh-two'])
    for (const secret of ['gh-one', 'gh-two']) {
      const signature = `sha256=${await hmacSha256Hex(secret, new TextEncoder().encode(body))}`
      expect(
        await webhook.authenticate(request({ body, headers: { 'x-hub-signature-256': signature } }), ctx),
      ).toEqual({ ok: true })
    }
    const wrong = `sha256=${await hmacSha256Hex('other', new TextEncoder().encode(body))}`
    expect(
      await webhook.authenticate(request({ body, headers: { 'x-hub-signature-256': wrong } }), ctx),
    ).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
    expect(await webhook.authenticate(request({ body }), ctx)).toEqual({
      ok: false,
      reason: 'missing_signature',
    })
  })

  it('normalises one generic alert, the webhook-id its delivery id', () => {
    expect(webhook.parse(signedStandard(SECRET_A), context(standard, [SECRET_A]))).toEqual({
      deliveryId: 'msg_2Kx',
      alerts: [
        {
          ...labelsV1({ alertname: 'BackupFailed', host: 'db-1', job: 'backup' }),
          episode: null,
          name: 'BackupFailed',
          summary: 'nightly backup of db-1 failed',
          status: 'firing',
          severity: 'high',
          labels: { host: 'db-1', job: 'backup' },
          annotations: {},
          starts_at: '2026-12-03T02:00:00.000Z',
          ends_at: null,
          links: [{ rel: 'source', href: 'https://backup.example/runs/77' }],
          resolve_after_seconds: null,
        },
      ],
    })
  })

  it('reads a batch, with X-GitHub-Delivery as the delivery id', () => {
    const batch = JSON.stringify({
      alerts: [
        { name: 'A', fingerprint: 'fp-a', status: 'resolved' },
        { name: 'B', labels: { host: 'x' } },
      ],
    })
    const parsed = webhook.parse(
      request({ body: batch, headers: { 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' } }),
      context({ ...github, fingerprint_labels: ['host'] }),
    )
    expect(parsed.deliveryId).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958')
    expect(parsed.alerts.map((a) => [a.fingerprint, a.fingerprint_formula, a.status, a.ends_at])).toEqual([
      ['fp-a', 'webhook', 'resolved', new Date(NOW).toISOString()],
      [labelsV1({ host: 'x' }).fingerprint, 'labels-v1:host', 'firing', null],
    ])
    expect(webhook.parse(request({ body: batch }), context(github)).deliveryId).toBeNull()
  })

  it('refuses bodies outside the generic format, naming the fields', () => {
    const ctx = context(github)
    expect(
      malformedDetails(() =>
        webhook.parse(request({ body: JSON.stringify({ severity: 'dire', extra: 1 }) }), ctx),
      ),
    ).toEqual([
      { path: 'name', message: expect.stringContaining('Invalid key') },
      { path: 'severity', message: expect.stringContaining('"critical"') },
      { path: 'extra', message: expect.stringContaining('Invalid key') },
    ])
    expect(malformedDetails(() => webhook.parse(request({ body: '{"alerts":[]}' }), ctx))).toEqual([
      { path: 'alerts', message: expect.stringContaining('length') },
    ])
  })
})
