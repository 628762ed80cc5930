import { monotonicFactory } from 'ulid'
import type { ReceivedAlert } from '../../schema/alerts/received-alert'
import type { HookAccepted } from '../../schema/api/alerts'
import {
  type AlertDeliveryReceived,
  type CloudEvent,
  EventType,
  type SitewireEventBody,
} from '../../schema/events'
import { apiError } from '../http/errors'
import { fromBase64, toBase64 } from '../lib/base64'
import type { Reply } from '../lib/idempotency'
import type { SiteKernel } from '../site/feature'
import { type AlertBook, toSeries } from './alert-book'
import { decideReceived } from './alert-decider'
import type { Integrations } from './integrations'
import { PRODUCTION_TRUST, senders } from './senders'
import type { HookRequest, Sender, SenderContext, SenderTrust } from './senders/sender'
import type { Silences } from './silences'

const nextId = monotonicFactory()

/** A delivery as the Worker hands it over: the bytes as they came, and who sent them. */
export interface HookInput {
  method: string
  url: string
  headers: [string, string][]
  body: Uint8Array
  sourceAddress: string
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
 * Takes a delivery from a sender: checks its credentials (a refusal is counted, its body not
 * kept), reads it, refuses a replayed delivery id, then stores the delivery as it came and
 * what each of its alerts leads to, in one transaction: nothing is half-applied.
 */
export class HookIntake {
  private readonly trust: SenderTrust

  constructor(
    private readonly kernel: SiteKernel,
    private readonly book: AlertBook,
    private readonly silences: Silences,
    private readonly integrations: Integrations,
  ) {
    this.trust = senderTrust(kernel.env.SENDER_TRUST_FOR_TESTS)
  }

  async receive(integrationId: string, input: HookInput): Promise<Reply<HookAccepted>> {
    const scope = this.kernel.scope
    scope.active()
    const integration = this.integrations.require(integrationId)
    // Each kind's sender takes its own settings; the row's kind and settings go together.
    const sender = senders[integration.kind] as unknown as Sender
    const request: HookRequest = {
      method: input.method,
      url: new URL(input.url),
      headers: new Headers(input.headers),
      body: input.body,
      now: this.kernel.now(),
    }
    const context: SenderContext = {
      settings: integration.settings,
      secrets: this.book.secrets(integrationId),
      fetch: (...args: Parameters<typeof fetch>) => fetch(...args),
      trust: this.trust,
    }
    const verdict = await sender.authenticate(request, context)
    if (!verdict.ok) {
      this.book.countRefusal(
        integrationId,
        input.sourceAddress,
        verdict.reason,
        new Date(request.now).toISOString(),
      )
      throw apiError(401, 'unauthorized', 'the delivery’s credentials do not hold for this integration', {
        reason: verdict.reason,
      })
    }
    const parsed = sender.parse(request, context)
    if (parsed.deliveryId !== null) {
      const first = this.book.deliveryOf(integrationId, parsed.deliveryId)
      if (first)
        throw apiError(409, 'duplicate_delivery', 'this delivery id was accepted before', {
          delivery_id: first,
        })
    }
    if (parsed.confirmUrl) await this.confirm(parsed.confirmUrl)
    const secretHeaders = new Set([
      ...ALWAYS_SECRET,
      ...sender.secretHeaders,
      // Datadog's secret header is named in its settings.
      ...('header' in integration.settings ? [integration.settings.header.toLowerCase()] : []),
    ])
    const url = new URL(input.url)
    for (const param of sender.secretParams)
      if (url.searchParams.has(param)) url.searchParams.set(param, '***')
    const headers = Object.fromEntries(
      input.headers
        .map(([name, value]) => [name.toLowerCase(), value] as const)
        .filter(([name]) => !DROPPED_HEADERS.has(name))
        .map(([name, value]) => [name, secretHeaders.has(name) ? '***' : value]),
    )
    const deliveryId = nextId()
    const actor = `integration/${integrationId}`
    return this.kernel.commit<HookAccepted>(undefined, (time) => {
      const outcomes: AlertDeliveryReceived['alerts'] = []
      const alertEvents: CloudEvent[] = []
      for (const alert of lastOfEachSeries(parsed.alerts)) {
        const row = this.book.series(integrationId, alert.fingerprint)
        const decision = decideReceived(row && toSeries(row), alert, {
          now: request.now,
          deliveryId,
          integrationId,
          kind: integration.kind,
          silencing: (labels) => this.silences.holding(labels, request.now),
          newAlertId: () => nextId(),
        })
        outcomes.push({
          fingerprint: alert.fingerprint,
          alert_id: decision.alertId,
          outcome: decision.outcome,
        })
        if (decision.alertId && decision.events.length > 0)
          alertEvents.push(...scope.events(decision.events, decision.alertId, actor, time))
      }
      const delivery: SitewireEventBody = {
        type: EventType.alertDeliveryReceived,
        data: {
          delivery_id: deliveryId,
          integration_id: integrationId,
          kind: integration.kind,
          sender_delivery_id: parsed.deliveryId,
          source_address: input.sourceAddress,
          method: input.method,
          path: url.pathname + url.search,
          headers,
          ...recordedBody(input.body),
          alerts: outcomes,
        },
      }
      return {
        events: [...scope.events([delivery], integrationId, actor, time), ...alertEvents],
        reply: () => {
          if (parsed.deliveryId !== null)
            this.book.rememberDelivery(integrationId, parsed.deliveryId, deliveryId)
          return { status: 200, body: { delivery_id: deliveryId, alerts: outcomes } }
        },
      }
    })
  }

  /**
   * The alerts a recorded delivery held, read again by its integration's sender as it is now
   * (credentials are not checked again: the delivery was accepted). Undefined for a delivery
   * whose integration is gone or that cannot be read.
   */
  reread(delivery: AlertDeliveryReceived, time: string): ReceivedAlert[] | undefined {
    const integration = this.book.integration(delivery.integration_id)
    if (!integration) return undefined
    const sender = senders[integration.kind] as unknown as Sender
    const request: HookRequest = {
      method: delivery.method,
      url: new URL(delivery.path, 'https://sitewire.invalid'),
      headers: new Headers(delivery.headers),
      body:
        delivery.body === null
          ? fromBase64(delivery.body_base64 ?? '')
          : new TextEncoder().encode(delivery.body),
      now: Date.parse(time),
    }
    try {
      return sender.parse(request, { settings: integration.settings, secrets: [], fetch, trust: this.trust })
        .alerts
    } catch {
      return undefined
    }
  }

  /** Confirms an SNS subscription before anything is stored: if SNS cannot be reached, it sends again. */
  private async confirm(url: string) {
    const response = await fetch(url)
    if (!response.ok)
      throw apiError(503, 'confirmation_failed', `confirming the subscription answered ${response.status}`)
  }
}

/** One alert per series: when a delivery names a fingerprint twice, the last word holds. */
const lastOfEachSeries = (alerts: readonly ReceivedAlert[]) => [
  ...new Map(alerts.map((alert) => [alert.fingerprint, alert])).values(),
]
