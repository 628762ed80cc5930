import type { IntegrationSettings } from '../../../schema/alerts/integration-settings'
import type { IntegrationKind, ReceivedAlert } from '../../../schema/alerts/received-alert'

/** A delivery as it reached `/v1/hooks/{integration_id}`: the exact bytes, before any parsing. */
export interface HookRequest {
  method: string
  url: URL
  headers: Headers
  body: Uint8Array
  /** When it arrived (ms since the epoch): timestamps in signatures are checked against it. */
  now: number
}

/** What a sender needs to check a delivery: the integration's secrets and the means to fetch keys. */
export interface SenderContext<K extends IntegrationKind = IntegrationKind> {
  settings: Extract<IntegrationSettings, { kind: K }>
  /** One or two (while rotating); a delivery that matches either is accepted. */
  secrets: readonly string[]
  /** Fetches public keys (SNS certificates, Google's JWKS); tests hand in a loopback one. */
  fetch: typeof fetch
  /** Hosts certificates and key sets may come from: the senders' own unless a test relaxes it. */
  trust: SenderTrust
}

/** Where public keys may be fetched from; production uses `PRODUCTION_TRUST`. */
export interface SenderTrust {
  /** `SigningCertURL` must be https on a host (with its port, if any) matching this. */
  snsCertificateHost: RegExp
  /** Google's OIDC key set and issuers, for Pub/Sub push tokens. */
  googleJwksUrl: string
  googleIssuers: readonly string[]
}

/** Whether a delivery's credentials hold; `reason` is a short code counted per integration. */
export type Verdict = { ok: true } | { ok: false; reason: string }

/** A delivery's alerts, and what the sender asks of us besides. */
export interface ParsedDelivery {
  /** The sender's own id of this delivery, where it sends one: a repeat is refused (replay). */
  deliveryId: string | null
  alerts: ReceivedAlert[]
  /** SNS `SubscriptionConfirmation`: the URL to visit once the delivery is stored. */
  confirmUrl?: string
}

/**
 * One kind of sender: how it proves who it is and how its payload becomes alerts. `parse`
 * throws `ApiError(400, 'malformed_delivery', …, details)` for a body it cannot read.
 */
export interface Sender<K extends IntegrationKind = IntegrationKind> {
  readonly kind: K
  /** Headers that carry credentials: left out of the recorded delivery. */
  readonly secretHeaders: readonly string[]
  /** Query parameters that carry credentials: left out of the recorded URL. */
  readonly secretParams: readonly string[]
  authenticate(request: HookRequest, context: SenderContext<K>): Promise<Verdict>
  parse(request: HookRequest, context: SenderContext<K>): ParsedDelivery
}
