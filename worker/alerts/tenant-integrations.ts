import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { RoutedDelivery } from '../../schema/alerts/routing'
import type {
  CreateTenantIntegrationBody,
  Integration,
  IntegrationWithSecret,
  RoutedOutcome,
  TenantDelivery,
  TenantDeliveryQuery,
  TenantHookAccepted,
  UpdateTenantIntegrationBody,
} from '../../schema/api/alerts'
import type * as store from '../../schema/db/tenant-store'
import { EventType, type SitewireEventBody } from '../../schema/events'
import type { WriteContext } from '../auth/caller'
import type { Env } from '../env'
import { ApiError, apiError, notFound, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { type Page, toPage } from '../lib/paging'
import type { Commands } from '../tenant/command'
import { confirmSubscription, type HookInput, readDelivery, senderTrust } from './hook-reading'
import { IntegrationBook, type IntegrationRow } from './integration-book'
import { changedSettings, newSecret, toIntegration } from './integrations'
import { RoutedDeliveries } from './routed-deliveries'
import type { SenderTrust } from './senders/sender'
import { SiteRouting } from './site-routing'

const nextId = monotonicFactory()

/** Where a tenant-wide integration's sender posts, after the platform's address. */
export const tenantHookPath = (tenantId: string, integrationId: string) =>
  `/v1/hooks/tenants/${tenantId}/${integrationId}`

type TenantDatabase = DrizzleSqliteDODatabase<typeof store>

/**
 * A tenant's integrations that belong to no site: one authenticated endpoint whose alerts go to
 * the sites their labels name. The tenant checks and reads each delivery once, keeps it (its
 * body may hold several sites' alerts), and hands each site its own alerts; a site that cannot
 * be reached is handed them again from the alarm. Changes are audited like other tenant changes.
 */
export class TenantIntegrations {
  readonly book: IntegrationBook
  readonly routed: RoutedDeliveries
  private readonly routing: SiteRouting
  private readonly trust: SenderTrust

  constructor(
    db: TenantDatabase,
    storage: DurableObjectStorage,
    env: Env,
    private readonly tenantId: () => string,
    private readonly commands: Commands,
    hasSite: (siteId: string) => boolean,
    wake: () => void,
  ) {
    this.book = new IntegrationBook(db)
    this.routed = new RoutedDeliveries(db, storage, env, tenantId, wake)
    this.routing = new SiteRouting(db, env, tenantId, hasSite)
    this.trust = senderTrust(env.SENDER_TRUST_FOR_TESTS)
  }

  create(
    input: CreateTenantIntegrationBody,
    origin: string,
    write: WriteContext,
  ): Answer<IntegrationWithSecret> {
    return this.commands.run(write, 'integration.create', 'integration', () => {
      const id = nextId()
      const secret = newSecret(input.settings)
      this.fold(write, {
        type: EventType.integrationCreated,
        data: { integration_id: id, name: input.name, settings: input.settings },
      })
      this.book.storeSecrets(id, [secret])
      this.routing.put(id, input.routing)
      const body = this.view(this.require(id), origin)
      return {
        status: 201,
        body: { ...body, secret },
        replay: { ...body, secret: null },
        objectId: id,
        details: { name: input.name, kind: input.settings.kind },
      }
    })
  }

  update(
    id: string,
    input: UpdateTenantIntegrationBody,
    origin: string,
    write: WriteContext,
  ): Answer<Integration> {
    return this.commands.run(write, 'integration.update', 'integration', () => {
      const row = this.require(id)
      const settings = changedSettings(row, input.settings)
      if (input.routing) this.routing.put(id, input.routing)
      this.fold(write, {
        type: EventType.integrationUpdated,
        data: { integration_id: id, name: input.name ?? row.name, settings },
      })
      return {
        status: 200,
        body: this.view(this.require(id), origin),
        objectId: id,
        details: { fields: Object.keys(input) },
      }
    })
  }

  /** A new secret; the one before stays valid until retired. */
  rotate(id: string, origin: string, write: WriteContext): Answer<IntegrationWithSecret> {
    return this.commands.run(write, 'integration.rotate_secret', 'integration', () => {
      const row = this.require(id)
      const [current] = this.book.secrets(id)
      const secret = newSecret(row.settings)
      this.book.storeSecrets(id, current === undefined ? [secret] : [secret, current])
      this.fold(write, {
        type: EventType.integrationSecretRotated,
        data: { integration_id: id, secrets: current ? 2 : 1 },
      })
      const body = this.view(this.require(id), origin)
      return {
        status: 200,
        body: { ...body, secret },
        replay: { ...body, secret: null },
        objectId: id,
        details: null,
      }
    })
  }

  retire(id: string, origin: string, write: WriteContext): Answer<Integration> {
    return this.commands.run(write, 'integration.retire_secret', 'integration', () => {
      this.require(id)
      const secrets = this.book.secrets(id)
      if (secrets.length < 2) throw apiError(409, 'nothing_to_retire', 'the integration has a single secret')
      this.book.storeSecrets(id, secrets.slice(0, 1))
      this.fold(write, { type: EventType.integrationSecretRotated, data: { integration_id: id, secrets: 1 } })
      return { status: 200, body: this.view(this.require(id), origin), objectId: id, details: null }
    })
  }

  remove(id: string, origin: string, write: WriteContext): Answer<Integration> {
    return this.commands.run(write, 'integration.delete', 'integration', () => {
      const before = this.view(this.require(id), origin)
      this.book.storeSecrets(id, [])
      this.fold(write, { type: EventType.integrationDeleted, data: { integration_id: id } })
      return { status: 200, body: before, objectId: id, details: { name: before.name } }
    })
  }

  get(id: string, origin: string): Answer<Integration> {
    const row = this.book.integration(id)
    return row ? { status: 200, body: this.view(row, origin) } : refusal(notFound('integration'))
  }

  list(limit: number, cursor: string | undefined, origin: string): Answer<Page<Integration>> {
    return {
      status: 200,
      body: toPage(
        this.book.integrations(limit, cursor),
        limit,
        (rows) => rows.map((row) => this.view(row, origin)),
        (row) => row.id,
      ),
    }
  }

  refusals(
    id: string,
  ): Answer<{ items: { source_address: string; reason: string; count: number; last_at: string }[] }> {
    if (!this.book.integration(id)) return refusal(notFound('integration'))
    const items = this.book.refusals(id).map((row) => ({
      source_address: row.sourceAddress,
      reason: row.reason,
      count: row.count,
      last_at: row.lastAt,
    }))
    return { status: 200, body: { items } }
  }

  /** Recorded deliveries, newest first. */
  deliveries(id: string, query: TenantDeliveryQuery): Answer<Page<TenantDelivery>> {
    if (!this.book.integration(id)) return refusal(notFound('integration'))
    return this.routed.list(id, query)
  }

  /**
   * A delivery from a sender: its credentials checked (a refusal counted, its body not kept),
   * read, a replayed delivery id refused; then it is kept with each alert's site, in one
   * transaction, before any site is handed its alerts.
   */
  async receive(id: string, input: HookInput, now = Date.now()): Promise<Answer<TenantHookAccepted>> {
    const row = this.book.integration(id)
    if (!row) return refusal(notFound('integration'))
    try {
      const { parsed, recorded } = await readDelivery(
        { id, settings: row.settings, secrets: this.book.secrets(id) },
        input,
        now,
        this.trust,
        (reason) => this.book.countRefusal(id, input.sourceAddress, reason, new Date(now).toISOString()),
      )
      if (parsed.deliveryId !== null) {
        const first = this.book.deliveryOf(id, parsed.deliveryId)
        if (first)
          throw apiError(409, 'duplicate_delivery', 'this delivery id was accepted before', {
            delivery_id: first,
          })
      }
      if (parsed.confirmUrl) await confirmSubscription(parsed.confirmUrl)
      const routing = this.routing.of(id)
      const findSite = await this.routing.finder(
        routing,
        parsed.alerts.map((alert) => alert.labels[routing.label]),
      )
      const deliveryId = nextId()
      const bySite = new Map<string, RoutedDelivery>()
      const outcomes: RoutedOutcome[] = []
      for (const alert of parsed.alerts) {
        const siteId = findSite(alert.labels[routing.label])
        outcomes.push({
          fingerprint: alert.fingerprint,
          site_id: siteId,
          alert_id: null,
          outcome: siteId ? 'pending' : 'unrouted',
        })
        if (!siteId) continue
        const share = bySite.get(siteId) ?? {
          delivery_id: deliveryId,
          integration_id: id,
          integration_name: row.name,
          kind: row.kind,
          sender_delivery_id: parsed.deliveryId,
          source_address: input.sourceAddress,
          path: tenantHookPath(this.tenantId(), id),
          received_at: now,
          alerts: [],
        }
        share.alerts.push(alert)
        bySite.set(siteId, share)
      }
      const senderDeliveryId = parsed.deliveryId
      this.routed.keep(
        {
          id: deliveryId,
          integrationId: id,
          receivedAt: now,
          request: recorded,
          senderDeliveryId,
          outcomes,
          bySite,
        },
        () => {
          if (senderDeliveryId !== null) this.book.rememberDelivery(id, senderDeliveryId, deliveryId)
        },
      )
      return {
        status: 200,
        body: { delivery_id: deliveryId, alerts: await this.routed.handOver(deliveryId, now) },
      }
    } catch (error) {
      if (error instanceof ApiError) return refusal(error)
      throw error
    }
  }

  /** The integration events a site would log, folded here into the same rows; the audit trail records the change. */
  private fold(write: WriteContext, body: SitewireEventBody) {
    this.book.apply({
      ...body,
      time: new Date().toISOString(),
      actor: `${write.caller.actor.type}/${write.caller.actor.id}`,
    })
  }

  private require(id: string): IntegrationRow {
    const row = this.book.integration(id)
    if (!row) throw apiError(404, 'not_found', 'integration not found')
    return row
  }

  private view(row: IntegrationRow, origin: string): Integration {
    return toIntegration(
      row,
      { siteId: null, routing: this.routing.of(row.id), path: tenantHookPath(this.tenantId(), row.id) },
      origin,
    )
  }
}
