import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { PubSubPush } from '../../../schema/alerts/senders/gcp'
import { fromBase64 } from '../../lib/base64'
import { bearerToken } from './credentials'
import { incidentAlerts } from './gcp-monitoring'
import { decodeUtf8, malformed, parseJsonBody, parseJsonText, readPayload } from './payload'
import type { Sender, SenderContext, Verdict } from './sender'

const WHAT = 'Pub/Sub push'
/** Google's token clock and ours may differ a little. */
const CLOCK_TOLERANCE_SECONDS = 60
const MAX_KEY_SETS = 8

/**
 * Key sets by URL, kept across requests so Google's keys are fetched once per isolate (jose
 * refetches on an unknown `kid`). The first caller's `fetch` serves the URL from then on.
 */
const keySets = new Map<string, JWTVerifyGetKey>()

const keySet = (url: string, fetcher: typeof fetch): JWTVerifyGetKey => {
  const cached = keySets.get(url)
  if (cached !== undefined) return cached
  const created = createRemoteJWKSet(new URL(url), { [customFetch]: fetcher })
  if (keySets.size >= MAX_KEY_SETS) keySets.delete(keySets.keys().next().value as string)
  keySets.set(url, created)
  return created
}

/** jose's error codes as our reasons; a failed `iss`/`aud` check names the claim. */
const reasonOf = (error: unknown): string => {
  const { code, claim } = error as { code?: string; claim?: string }
  if (code === 'ERR_JWT_EXPIRED') return 'token_expired'
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'iss') return 'wrong_issuer'
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'aud') return 'wrong_audience'
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'bad_signature'
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') return 'unknown_key'
  if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC') return 'keys_unavailable'
  return 'invalid_token'
}

/**
 * The push's Google-signed OIDC token: RS256 by a key in Google's set, from a Google issuer,
 * for our audience, on behalf of the configured service account with a verified email.
 */
const checkToken = async (
  token: string,
  context: SenderContext<'gcp_pubsub'>,
  now: number,
): Promise<Verdict> => {
  try {
    const { payload } = await jwtVerify(token, keySet(context.trust.googleJwksUrl, context.fetch), {
      algorithms: ['RS256'],
      issuer: [...context.trust.googleIssuers],
      audience: context.settings.audience,
      currentDate: new Date(now),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'iat'],
    })
    if (payload.email !== context.settings.service_account_email) return { ok: false, reason: 'wrong_email' }
    if (payload.email_verified !== true) return { ok: false, reason: 'email_not_verified' }
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: reasonOf(error) }
  }
}

/** Cloud Monitoring notifications through a Pub/Sub push subscription with an OIDC token. */
export const gcpPubsub: Sender<'gcp_pubsub'> = {
  kind: 'gcp_pubsub',
  secretHeaders: ['authorization'],
  secretParams: [],
  authenticate: (request, context) => {
    const token = bearerToken(request.headers)
    return token === null
      ? Promise.resolve({ ok: false, reason: 'missing_credentials' })
      : checkToken(token, context, request.now)
  },
  parse: (request) => {
    const push = readPayload(PubSubPush, parseJsonBody(request.body, WHAT), WHAT)
    const text = decodeUtf8(fromBase64(push.message.data))
    if (text === null) throw malformed(WHAT, [{ path: 'message.data', message: 'not UTF-8 once decoded' }])
    return {
      deliveryId: push.message.messageId,
      alerts: incidentAlerts(parseJsonText(text, WHAT, 'message.data'), WHAT, 'message.data'),
    }
  },
}
