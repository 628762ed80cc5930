import { monotonicFactory } from 'ulid'
import type { IntegrationKind, ReceivedAlert } from '../../schema/alerts/received-alert'
import type { RoutedDelivery } from '../../schema/alerts/routing'
import type { HookAccepted } from '../../schema/api/alerts'
import {
  type AlertDeliveryReceived,
  type CloudEvent,
  EventType,
  type RecordedRequest,
  type SitewireEventBody,
} from '../../schema/events'
import { apiError } from '../http/errors'
import { fromBase64 } from '../lib/base64'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import type { SiteKernel } from '../site/feature'
import type { AlertBook } from './alert-book'
import { decideReceived } from './alert-decider'
import { toSeries } from './alert-views'
import {
  confirmSubscription,
  type HookInput,
  lastOfEachSeries,
  readDelivery,
  senderTrust,
} from './hook-reading'
import type { Integrations } from './integrations'
import { senders } from './senders'
import type { HookRequest, Sender, SenderTrust } from './senders/sender'
import type { Silences } from './silences'

const nextId = monotonicFactory()

/** A delivery ready to store: whose it is, what came, and the alerts read from it. */
interface DeliveryToRecord {
  deliveryId: string
  integration: { id: string; kind: IntegrationKind }
  senderDeliveryId: string | null
  request: RecordedRequest
  alerts: readonly ReceivedAlert[]
  routed: boolean
  now: number
}

/**
 * Takes deliveries to the site: from a sender to one of the site's integrations (its
 * credentials checked here; a refusal is counted, its body not kept; a replayed delivery id
 * refused), or routed here by the tenant from a tenant-wide integration. Either way the
 * delivery and what each of its alerts leads to are stored in one transaction: nothing is
 * half-applied.
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
    this.kernel.scope.active()
    const integration = this.integrations.require(integrationId)
    const book = this.integrations.book
    const now = this.kernel.now()
    const { parsed, recorded } = await readDelivery(
      { id: integrationId, settings: integration.settings, secrets: book.secrets(integrationId) },
      input,
      now,
      this.trust,
      (reason) => book.countRefusal(integrationId, input.sourceAddress, reason, new Date(now).toISOString()),
    )
    if (parsed.deliveryId !== null) {
      const first = book.deliveryOf(integrationId, parsed.deliveryId)
      if (first)
        throw apiError(409, 'duplicate_delivery', 'this delivery id was accepted before', {
          delivery_id: first,
        })
    }
    if (parsed.confirmUrl) await confirmSubscription(parsed.confirmUrl)
    const senderDeliveryId = parsed.deliveryId
    return this.record(
      undefined,
      {
        deliveryId: nextId(),
        integration: { id: integrationId, kind: integration.kind },
        senderDeliveryId,
        request: recorded,
        alerts: parsed.alerts,
        routed: false,
        now,
      },
      (deliveryId) => {
        if (senderDeliveryId !== null) book.rememberDelivery(integrationId, senderDeliveryId, deliveryId)
      },
    )
  }

  /**
   * A tenant-wide integration's alerts for this site, checked and read by the tenant. The
   * tenant sends again until it hears an answer: the same delivery is stored once, and a
   * repeat answers as the first did.
   */
  receiveRouted(delivery: RoutedDelivery): Reply<HookAccepted> {
    this.kernel.scope.active()
    const claim: IdempotencyClaim = { key: `routed-delivery:${delivery.delivery_id}`, fingerprint: 'routed' }
    return this.record(claim, {
      deliveryId: delivery.delivery_id,
      integration: { id: delivery.integration_id, kind: delivery.kind },
      senderDeliveryId: delivery.sender_delivery_id,
      request: {
        source_address: delivery.source_address,
        method: 'POST',
        path: delivery.path,
        headers: {},
        body: null,
        body_base64: null,
      },
      alerts: delivery.alerts,
      routed: true,
      now: delivery.received_at,
    })
  }

  private record(
    idempotency: IdempotencyClaim | undefined,
    delivery: DeliveryToRecord,
    stored?: (deliveryId: string) => void,
  ): Reply<HookAccepted> {
    const scope = this.kernel.scope
    const { deliveryId, integration, now } = delivery
    const actor = `integration/${integration.id}`
    return this.kernel.commit<HookAccepted>(idempotency, (time) => {
      const outcomes: AlertDeliveryReceived['alerts'] = []
      const alertEvents: CloudEvent[] = []
      for (const alert of lastOfEachSeries(delivery.alerts)) {
        const row = this.book.series(integration.id, alert.fingerprint)
        const decision = decideReceived(row && toSeries(row), alert, {
          now,
          deliveryId,
          integrationId: integration.id,
          kind: integration.kind,
          silencing: (labels) => this.silences.holding(labels, now),
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
      const received: SitewireEventBody = {
        type: EventType.alertDeliveryReceived,
        data: {
          delivery_id: deliveryId,
          integration_id: integration.id,
          kind: integration.kind,
          sender_delivery_id: delivery.senderDeliveryId,
          ...delivery.request,
          alerts: outcomes,
          ...(delivery.routed ? { routed_alerts: [...delivery.alerts] } : {}),
        },
      }
      return {
        events: [...scope.events([received], integration.id, actor, time), ...alertEvents],
        reply: () => {
          stored?.(deliveryId)
          return { status: 200, body: { delivery_id: deliveryId, alerts: outcomes } }
        },
      }
    })
  }

  /**
   * The alerts a recorded delivery held, read again by its integration's sender as it is now
   * (credentials are not checked again: the delivery was accepted); a routed delivery's as the
   * tenant read them. Undefined for a delivery whose integration is gone or that cannot be read.
   */
  reread(delivery: AlertDeliveryReceived, time: string): ReceivedAlert[] | undefined {
    if (delivery.routed_alerts) return delivery.routed_alerts
    const integration = this.integrations.book.integration(delivery.integration_id)
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
}
