import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { toBase64 } from '../../lib/base64'
import { incident } from './gcp-fixtures'
import { gcpPubsub } from './gcp-pubsub'
import { context, malformedDetails, NOW, request, TEST_TRUST } from './test-support'

const AUDIENCE = 'https://sitewire.test/v1/hooks/int_pubsub'
const EMAIL = 'alerts-push@shop-prod.iam.gserviceaccount.com'
const settings = { kind: 'gcp_pubsub' as const, audience: AUDIENCE, service_account_email: EMAIL }

let privateKey: CryptoKey
let jwks: { keys: unknown[] }

beforeAll(async () => {
  const pair = await generateKeyPair('RS256')
  privateKey = pair.privateKey
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] }
})

let sets = 0
/** A Google key server on its own URL (key sets are cached per URL), counting fetches. */
const keyServer = () => {
  const url = `https://keys.test/oauth2/v3/certs/${++sets}`
  const asked: string[] = []
  const fetcher = (async (input: RequestInfo | URL) => {
    asked.push(String(input))
    return Response.json(jwks)
  }) as typeof fetch
  return {
    asked,
    ctx: context(settings, [], { fetch: fetcher, trust: { ...TEST_TRUST, googleJwksUrl: url } }),
  }
}

/** A token as Pub/Sub signs it for a push subscription with an OIDC service account. */
const token = (claims: Record<string, unknown> = {}, issuedAt = NOW / 1000) =>
  new SignJWT({
    iss: 'https://accounts.google.com',
    aud: AUDIENCE,
    iat: issuedAt,
    exp: issuedAt + 3600,
    email: EMAIL,
    email_verified: true,
    sub: '1134',
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .sign(privateKey)

const push = (data: string) =>
  JSON.stringify({
    message: {
      data,
      attributes: {},
      messageId: '9876543210123',
      message_id: '9876543210123',
      publishTime: '2026-12-03T21:30:01.123Z',
      publish_time: '2026-12-03T21:30:01.123Z',
    },
    subscription: 'projects/shop-prod/subscriptions/sitewire-alerts',
  })
const body = push(toBase64(new TextEncoder().encode(JSON.stringify({ incident, version: '1.2' }))))

const withToken = async (jwt: string | Promise<string>) =>
  request({ body, headers: { authorization: `Bearer ${await jwt}`, 'content-type': 'application/json' } })

describe('gcp_pubsub sender', () => {
  it('accepts a Google-signed token for our audience and service account, fetching the keys once', async () => {
    const { asked, ctx } = keyServer()
    expect(await gcpPubsub.authenticate(await withToken(token()), ctx)).toEqual({ ok: true })
    expect(await gcpPubsub.authenticate(await withToken(token({ iss: 'accounts.google.com' })), ctx)).toEqual(
      {
        ok: true,
      },
    )
    expect(asked).toEqual([ctx.trust.googleJwksUrl])
  })

  it('refuses wrong audience, email, unverified email, issuer, expired or missing tokens', async () => {
    const { ctx } = keyServer()
    const cases: [Promise<string> | string, string][] = [
      [token({ aud: 'https://elsewhere.test/' }), 'wrong_audience'],
      [token({ email: 'someone@evil.test' }), 'wrong_email'],
      [token({ email_verified: false }), 'email_not_verified'],
      [token({ iss: 'https://evil.test' }), 'wrong_issuer'],
      [token({}, NOW / 1000 - 7200), 'token_expired'],
      ['not.a.jwt', 'invalid_token'],
    ]
    for (const [jwt, reason] of cases) {
      expect(await gcpPubsub.authenticate(await withToken(jwt), ctx)).toEqual({ ok: false, reason })
    }
    expect(await gcpPubsub.authenticate(request({ body }), ctx)).toEqual({
      ok: false,
      reason: 'missing_credentials',
    })
  })

  it('refuses a token signed by a key not in the set', async () => {
    const { ctx } = keyServer()
    const other = await generateKeyPair('RS256')
    const forged = await new SignJWT({ email: EMAIL, email_verified: true })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://accounts.google.com')
      .setAudience(AUDIENCE)
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 3600)
      .sign(other.privateKey)
    expect(await gcpPubsub.authenticate(await withToken(forged), ctx)).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
  })

  it('reads the incident inside message.data with the Cloud Monitoring mapping', async () => {
    const { ctx } = keyServer()
    const parsed = gcpPubsub.parse(request({ body }), ctx)
    expect(parsed.deliveryId).toBe('9876543210123')
    expect(parsed.alerts).toHaveLength(1)
    expect(parsed.alerts[0]).toMatchObject({
      fingerprint: '0.opqiw61fsv7p',
      fingerprint_formula: 'gcp_monitoring',
      name: 'High CPU',
      status: 'firing',
      severity: 'critical',
      starts_at: '2026-12-03T21:30:00.000Z',
    })
  })

  it('refuses a push whose data is not a readable incident', async () => {
    const { ctx } = keyServer()
    expect(malformedDetails(() => gcpPubsub.parse(request({ body: push('!!') }), ctx))).toEqual([
      { path: 'message.data', message: 'not base64' },
    ])
    const notJson = push(toBase64(new TextEncoder().encode('hello')))
    expect(malformedDetails(() => gcpPubsub.parse(request({ body: notJson }), ctx))).toEqual([
      { path: 'message.data', message: expect.stringContaining('not JSON') },
    ])
    const noId = push(toBase64(new TextEncoder().encode(JSON.stringify({ incident: { state: 'open' } }))))
    expect(malformedDetails(() => gcpPubsub.parse(request({ body: noId }), ctx))).toEqual([
      { path: 'message.data.incident.incident_id', message: expect.stringContaining('Invalid key') },
      { path: 'message.data.incident.started_at', message: expect.stringContaining('Invalid key') },
    ])
  })
})
