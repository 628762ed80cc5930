import type { IntegrationSettings } from '../../schema/alerts/integration-settings'
import type { ReceivedAlert } from '../../schema/alerts/received-alert'
import type { RecordedRequest } from '../../schema/events'
import { apiError } from '../http/errors'
import { toBase64 } from '../lib/base64'
import { PRODUCTION_TRUST, senders } from './senders'
import type { HookRequest, ParsedDelivery, Sender, SenderContext, SenderTrust } from './senders/sender'

/** A delivery as the Worker hands it over: the bytes as they came, and who sent them. */
export interface HookInput {
  method: string
  url: string
  headers: [string, string][]
  body: Uint8Array
  sourceAddress: string
}

/** An integration as a delivery is checked and read against it, wherever it is kept (a site or the tenant). */
export interface IntegrationToRead {
  id: string
  settings: IntegrationSettings
  secrets: readonly string[]
}

/** Headers no one needs to read a delivery again, and that only add noise to the log. */
const DROPPED_HEADERS = new Set(['cookie', 'cf-connecting-ip', 'x-forwarded-for', 'x-real-ip', 'cf-ray'])
const ALWAYS_SECRET = ['authorization', 'proxy-authorization']

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The body as text when it is UTF-8, else as base64: the log keeps it byte for byte either way. */
const recordedBody = (bytes: Uint8Array) => {
  try {
    return { body: utf8.decode(bytes), body_base64: null }
  } catch {
    return { body: null, body_base64: toBase64(bytes) }
  }
}

/** The trust a test may relax, through the explicit `SENDER_TRUST_FOR_TESTS` setting only. */
export const senderTrust = (setting: string | undefined): SenderTrust => {
  if (!setting) return PRODUCTION_TRUST
  const relaxed = JSON.parse(setting) as {
    snsCertificateHost: string
    googleJwksUrl: string
    googleIssuers: string[]
  }
  return { ...relaxed, snsCertificateHost: new RegExp(relaxed.snsCertificateHost) }
}

/**
 * Checks a delivery's credentials as its integration's kind says, then reads its alerts. A
 * refusal is reported to `refused` (to be counted; the body is not kept) and thrown as 401; a
 * body the sender cannot read throws 400.
 */
export const readDelivery = async (
  integration: IntegrationToRead,
  input: HookInput,
  now: number,
  trust: SenderTrust,
  refused: (reason: string) => void,
): Promise<{ parsed: ParsedDelivery; recorded: RecordedRequest }> => {
  // Each kind's sender takes its own settings; the row's kind and settings go together.
  const sender = senders[integration.settings.kind] as unknown as Sender
  const request: HookRequest = {
    method: input.method,
    url: new URL(input.url),
    headers: new Headers(input.headers),
    body: input.body,
    now,
  }
  const context: SenderContext = {
    settings: integration.settings,
    secrets: integration.secrets,
    fetch: (...args: Parameters<typeof fetch>) => fetch(...args),
    trust,
  }
  const verdict = await sender.authenticate(request, context)
  if (!verdict.ok) {
    refused(verdict.reason)
    throw apiError(401, 'unauthorized', 'the delivery’s credentials do not hold for this integration', {
      reason: verdict.reason,
    })
  }
  const parsed = sender.parse(request, context)
  const secretHeaders = new Set([
    ...ALWAYS_SECRET,
    ...sender.secretHeaders,
    // Datadog's secret header is named in its settings.
    ...('header' in integration.settings ? [integration.settings.header.toLowerCase()] : []),
  ])
  const url = new URL(input.url)
  for (const param of sender.secretParams) if (url.searchParams.has(param)) url.searchParams.set(param, '***')
  const headers = Object.fromEntries(
    input.headers
      .map(([name, value]) => [name.toLowerCase(), value] as const)
      .filter(([name]) => !DROPPED_HEADERS.has(name))
      .map(([name, value]) => [name, secretHeaders.has(name) ? '***' : value]),
  )
  return {
    parsed,
    recorded: {
      source_address: input.sourceAddress,
      method: input.method,
      path: url.pathname + url.search,
      headers,
      ...recordedBody(input.body),
    },
  }
}

/** Confirms an SNS subscription before anything is stored: if SNS cannot be reached, it sends again. */
export const confirmSubscription = async (url: string) => {
  const response = await fetch(url)
  if (!response.ok)
    throw apiError(503, 'confirmation_failed', `confirming the subscription answered ${response.status}`)
}

/** One alert per series: when a delivery names a fingerprint twice, the last word holds. */
export const lastOfEachSeries = (alerts: readonly ReceivedAlert[]) => [
  ...new Map(alerts.map((alert) => [alert.fingerprint, alert])).values(),
]
