import { checkTimestamp, hexMacMatches } from '../alerts/senders/hmac'
import type { Verdict } from '../alerts/senders/sender'

/**
 * Slack's request signature (v0): `X-Slack-Signature: v0=<hex HMAC-SHA256 of
 * "v0:" + X-Slack-Request-Timestamp + ":" + body>`, keyed by the app's signing secret, with
 * the timestamp within ±5 minutes of arrival. Two secrets may be given while rotating.
 */
export const verifySlackRequest = async (
  headers: Headers,
  body: Uint8Array,
  signingSecrets: readonly string[],
  now: number,
): Promise<Verdict> => {
  const signature = headers.get('x-slack-signature')
  if (!signature) return { ok: false, reason: 'missing_signature' }
  const timestamp = headers.get('x-slack-request-timestamp')
  const fresh = checkTimestamp(timestamp, now)
  if (!fresh.ok) return fresh
  if (!signature.startsWith('v0=')) return { ok: false, reason: 'bad_signature' }
  return (await hexMacMatches(signature.slice(3), signingSecrets, body, `v0:${timestamp}:`))
    ? { ok: true }
    : { ok: false, reason: 'bad_signature' }
}
