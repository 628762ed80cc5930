import type { SnsEnvelope } from '../../../schema/alerts/senders/sns'
import { fromBase64 } from '../../lib/base64'
import type { SenderContext, Verdict } from './sender'
import { isSnsUrl, signingCertificate } from './sns-certificates'

/** The keys signed, in order, per message type (AWS "Verifying the signatures of Amazon SNS messages"). */
const SIGNED_KEYS = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
} as const

const HASHES: Record<string, 'SHA-1' | 'SHA-256'> = { '1': 'SHA-1', '2': 'SHA-256' }

/** `key\nvalue\n` for each signed key present (a Notification's `Subject` may be absent), in order. */
export const canonicalString = (envelope: SnsEnvelope): string => {
  const fields = envelope as unknown as Record<string, unknown>
  return SIGNED_KEYS[envelope.Type]
    .filter((key) => typeof fields[key] === 'string')
    .map((key) => `${key}\n${fields[key] as string}\n`)
    .join('')
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * Checks an SNS message's RSA signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA)
 * with the certificate at `SigningCertURL`, which must be https on an SNS host.
 */
export const verifySnsSignature = async (
  envelope: SnsEnvelope,
  context: SenderContext<'sns'>,
  now: number,
): Promise<Verdict> => {
  const hash = HASHES[envelope.SignatureVersion]
  if (hash === undefined) return { ok: false, reason: 'unsupported_signature_version' }
  if (
    !isSnsUrl(envelope.SigningCertURL, context.trust) ||
    !new URL(envelope.SigningCertURL).pathname.endsWith('.pem')
  ) {
    return { ok: false, reason: 'untrusted_certificate_url' }
  }
  if (!BASE64.test(envelope.Signature)) return { ok: false, reason: 'bad_signature' }
  let certificate: Awaited<ReturnType<typeof signingCertificate>>
  try {
    certificate = await signingCertificate(envelope.SigningCertURL, context.fetch)
  } catch {
    return { ok: false, reason: 'certificate_unavailable' }
  }
  if (now < certificate.notBefore || now > certificate.notAfter)
    return { ok: false, reason: 'certificate_expired' }
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash }
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey('spki', certificate.spki, algorithm, false, ['verify'])
  } catch {
    return { ok: false, reason: 'certificate_not_rsa' }
  }
  const valid = await crypto.subtle.verify(
    algorithm,
    key,
    fromBase64(envelope.Signature),
    new TextEncoder().encode(canonicalString(envelope)),
  )
  return valid ? { ok: true } : { ok: false, reason: 'bad_signature' }
}
