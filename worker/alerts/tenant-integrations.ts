import { and, asc, desc, eq, lt, lte, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { IntegrationRouting, RoutedDelivery } from '../../schema/alerts/routing'
import type {
  CreateTenantIntegrationBody,
  HookAccepted,
  Integration,
  IntegrationWithSecret,
  RoutedOutcome,
  TenantDelivery,
  TenantHookAccepted,
  UpdateTenantIntegrationBody,
} from '../../schema/api/alerts'
import { sites } from '../../schema/db/projections'
import * as store from '../../schema/db/tenant-store'
import { EventType, type SitewireEventBody } from '../../schema/events'
import type { WriteContext } from '../auth/caller'
import type { Env } from '../env'
import { ApiError, apiError, notFound, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { errorMessage, log } from '../lib/log'
import { type Page, toPage } from '../lib/paging'
import { siteOf } from '../objects'
import { readProjections } from '../projections/connection'
import type { Commands } from '../tenant/command'
import { confirmSubscription, type HookInput, readDelivery, senderTrust } from './hook-reading'
import { IntegrationBook, type IntegrationRow } from './integration-book'
import { newSecret, toIntegration } from './integrations'

const nextId = monotonicFactory()

/** Where a tenant-wide integration's sender posts, after the platform's address. */
export const tenantHookPath = (tenantId: string, integrationId: string) =>
  `/v1/hooks/tenants/${tenantId}/${integrationId}`

/** How long a site that cannot be reached is tried again, and how often. */
const HANDOVER_RETRY_MS = [5_000, 30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000]
/** Deliveries kept for review; older ones go on the alarm. */
export const ROUTED_DELIVERY_KEEP_MS = 7 * 24 * 60 * 60_000

type TenantDatabase = DrizzleSqliteDODatabase<typeof store>
type SiteRow = typeof store.routedDeliverySites.$inferSelect

/** A site's answer to a handover, as the outcomes of its alerts record it. */
type Handover = { stored: HookAccepted } | { refused: string } | { unreachable: string }

/**
 * A tenant's integrations that belong to no site: one authenticated endpoint whose alerts go to
 * the sites their labels name. The tenant checks and reads each delivery once, keeps it (its
 * body may hold several sites' alerts), and hands each site its own alerts; a site that cannot
 * be reached is handed them again from the alarm. Changes are audited like other tenant changes.
 */
export class TenantIntegrations {
  readonly book: IntegrationBook

  constructor(
    private readonly db: TenantDatabase,
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly tenantId: () => string,
    private readonly commands: Commands,
    private readonly hasSite: (siteId: string) => boolean,
  ) {
    this.book = new IntegrationBook(db)
  }

  create(
    input: CreateTenantIntegrationBody,
    origin: string,
    write: WriteContext,
  ): Answer<IntegrationWithSecret> {
    return this.commands.run(write, 'integration.create', 'integration', () => {
      this.checkRouting(input.routing)
      const id = nextId()
      const secret = newSecret(input.settings)
      this.fold(write, {
        type: EventType.integrationCreated,
        data: { integration_id: id, name: input.name, settings: input.settings },
      })
      this.book.storeSecrets(id, [secret])
      this.db.insert(store.integrationRouting).values({ integrationId: id, routing: input.routing }).run()
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
      const settings = input.settings ?? row.settings
      if (settings.kind !== row.kind)
        throw apiError(
          422,
          'kind_changed',
          `this integration is ${row.kind}; create another for ${settings.kind}`,
        )
      if (input.routing) {
        this.checkRouting(input.routing)
        this.db
          .update(store.integrationRouting)
          .set({ routing: input.routing })
          .where(eq(store.integrationRouting.integrationId, id))
          .run()
      }
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
  deliveries(id: string, limit: number, cursor: string | undefined): Answer<Page<TenantDelivery>> {
    if (!this.book.integration(id)) return refusal(notFound('integration'))
    const d = store.routedDeliveries
    const rows = this.db
      .select()
      .from(d)
      .where(and(eq(d.integrationId, id), cursor === undefined ? undefined : lt(d.id, cursor)))
      .orderBy(desc(d.id))
      .limit(limit + 1)
      .all()
    const body = toPage(
      rows,
      limit,
      (page) =>
        page.map((row) => ({
          id: row.id,
          received_at: row.receivedAt.toISOString(),
          sender_delivery_id: row.senderDeliveryId,
          ...row.request,
          alerts: row.alerts,
        })),
      (row) => row.id,
    )
    return { status: 200, body }
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
        senderTrust(this.env.SENDER_TRUST_FOR_TESTS),
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
      const routing = this.routing(id)
      const findSite = await this.siteFinder(
        routing,
        parsed.alerts.map((alert) => alert.labels[routing.label]),
      )
      const deliveryId = nextId()
      const bySite = new Map<string, RoutedDelivery['alerts']>()
      const outcomes: RoutedOutcome[] = []
      for (const alert of parsed.alerts) {
        const siteId = findSite(alert.labels[routing.label])
        outcomes.push({
          fingerprint: alert.fingerprint,
          site_id: siteId,
          alert_id: null,
          outcome: siteId ? 'pending' : 'unrouted',
        })
        if (siteId) bySite.set(siteId, [...(bySite.get(siteId) ?? []), alert])
      }
      this.storage.transactionSync(() => {
        this.db
          .insert(store.routedDeliveries)
          .values({
            id: deliveryId,
            integrationId: id,
            receivedAt: new Date(now),
            request: recorded,
            senderDeliveryId: parsed.deliveryId,
            alerts: outcomes,
          })
          .run()
        for (const [siteId, alerts] of bySite) {
          const delivery: RoutedDelivery = {
            delivery_id: deliveryId,
            integration_id: id,
            integration_name: row.name,
            kind: row.kind,
            sender_delivery_id: parsed.deliveryId,
            source_address: input.sourceAddress,
            path: tenantHookPath(this.tenantId(), id),
            received_at: now,
            alerts,
          }
          this.db
            .insert(store.routedDeliverySites)
            .values({ deliveryId, siteId, delivery, state: 'pending', attempts: 0, nextAt: new Date(now) })
            .run()
        }
        if (parsed.deliveryId !== null) this.book.rememberDelivery(id, parsed.deliveryId, deliveryId)
      })
      await Promise.all(this.pending(deliveryId).map((site) => this.handOver(site, now)))
      await this.schedule()
      return { status: 200, body: { delivery_id: deliveryId, alerts: this.outcomes(deliveryId) } }
    } catch (error) {
      if (error instanceof ApiError) return refusal(error)
      throw error
    }
  }

  /** When the alarm is next needed: the soonest handover to try again. */
  due(): number | undefined {
    const next = this.db
      .select({ at: sql<number | null>`min(${store.routedDeliverySites.nextAt})` })
      .from(store.routedDeliverySites)
      .where(eq(store.routedDeliverySites.state, 'pending'))
      .get()?.at
    return next ?? undefined
  }

  /** Sets the alarm for the next handover, unless it rings sooner already. */
  async schedule() {
    const due = this.due()
    if (due === undefined) return
    const current = await this.storage.getAlarm()
    if (current === null || current > due) await this.storage.setAlarm(due)
  }

  /** Hands over what is due again, and lets go of deliveries past their keeping. */
  async work(now = Date.now()) {
    const due = this.db
      .select()
      .from(store.routedDeliverySites)
      .where(
        and(
          eq(store.routedDeliverySites.state, 'pending'),
          lte(store.routedDeliverySites.nextAt, new Date(now)),
        ),
      )
      .orderBy(asc(store.routedDeliverySites.nextAt))
      .limit(100)
      .all()
    for (const site of due) await this.handOver(site, now)
    const before = new Date(now - ROUTED_DELIVERY_KEEP_MS)
    const old = store.routedDeliveries
    this.storage.transactionSync(() => {
      this.db
        .delete(store.routedDeliverySites)
        .where(
          sql`${store.routedDeliverySites.deliveryId} in (select ${old.id} from ${old} where ${old.receivedAt} < ${before.getTime()})`,
        )
        .run()
      this.db.delete(old).where(lt(old.receivedAt, before)).run()
    })
    await this.schedule()
  }

  /** Gives one site its alerts of a delivery, and writes down what it answered. */
  private async handOver(site: SiteRow, now: number) {
    const answer = await this.ask(site)
    const attempts = site.attempts + 1
    const where = and(
      eq(store.routedDeliverySites.deliveryId, site.deliveryId),
      eq(store.routedDeliverySites.siteId, site.siteId),
    )
    this.storage.transactionSync(() => {
      if ('unreachable' in answer) {
        const wait = HANDOVER_RETRY_MS[site.attempts]
        const givenUp = wait === undefined
        this.db
          .update(store.routedDeliverySites)
          .set({
            attempts,
            error: answer.unreachable,
            ...(givenUp ? { state: 'refused', nextAt: null } : { nextAt: new Date(now + wait) }),
          })
          .where(where)
          .run()
        if (givenUp) this.settle(site, () => ({ alert_id: null, outcome: 'refused' }))
        return
      }
      if ('refused' in answer) {
        this.db
          .update(store.routedDeliverySites)
          .set({ attempts, state: 'refused', nextAt: null, error: answer.refused })
          .where(where)
          .run()
        this.settle(site, () => ({ alert_id: null, outcome: 'refused' }))
        return
      }
      this.db
        .update(store.routedDeliverySites)
        .set({ attempts, state: 'stored', nextAt: null, error: null })
        .where(where)
        .run()
      const byFingerprint = new Map(answer.stored.alerts.map((alert) => [alert.fingerprint, alert]))
      this.settle(site, (fingerprint) => {
        const stored = byFingerprint.get(fingerprint)
        return stored
          ? { alert_id: stored.alert_id, outcome: stored.outcome }
          : { alert_id: null, outcome: 'refused' }
      })
    })
  }

  private async ask(site: SiteRow): Promise<Handover> {
    try {
      const answer = await siteOf(this.env, site.siteId).receiveRouted(site.delivery)
      if (!answer.refused) return { stored: answer.body as HookAccepted }
      const { error } = answer.body as unknown as { error: { code: string; message: string } }
      // A site that exists but will not take alerts (archived) or is gone keeps refusing: no retry.
      return { refused: `${answer.status} ${error.code}: ${error.message}` }
    } catch (error) {
      log('warn', 'routed delivery not handed over; trying again', {
        tenant_id: this.tenantId(),
        site_id: site.siteId,
        delivery_id: site.deliveryId,
        error: errorMessage(error),
      })
      return { unreachable: errorMessage(error) }
    }
  }

  /** Writes a site's outcomes into its delivery's alerts. */
  private settle(
    site: SiteRow,
    outcome: (fingerprint: string) => Pick<RoutedOutcome, 'alert_id' | 'outcome'>,
  ) {
    const alerts = this.outcomes(site.deliveryId).map((alert) =>
      alert.site_id === site.siteId ? { ...alert, ...outcome(alert.fingerprint) } : alert,
    )
    this.db
      .update(store.routedDeliveries)
      .set({ alerts })
      .where(eq(store.routedDeliveries.id, site.deliveryId))
      .run()
  }

  private pending(deliveryId: string): SiteRow[] {
    return this.db
      .select()
      .from(store.routedDeliverySites)
      .where(
        and(
          eq(store.routedDeliverySites.deliveryId, deliveryId),
          eq(store.routedDeliverySites.state, 'pending'),
        ),
      )
      .all()
  }

  private outcomes(deliveryId: string): RoutedOutcome[] {
    return (
      this.db
        .select({ alerts: store.routedDeliveries.alerts })
        .from(store.routedDeliveries)
        .where(eq(store.routedDeliveries.id, deliveryId))
        .get()?.alerts ?? []
    )
  }

  /**
   * Finds a label value's site: the routing's own map, else a site id of this tenant, else a
   * site name (any case, from the projections: a site created a moment ago may not be found
   * by name yet), else the fallback; null when none holds.
   */
  private async siteFinder(routing: IntegrationRouting, values: (string | undefined)[]) {
    const names = [
      ...new Set(
        values.filter(
          (value): value is string =>
            value !== undefined && !(value in routing.sites) && !this.hasSite(value),
        ),
      ),
    ]
    const byName = new Map<string, string>()
    if (names.length > 0) {
      const rows = await readProjections(this.env, (db) =>
        db
          .select({ id: sites.id, name: sites.name })
          .from(sites)
          .where(and(eq(sites.tenantId, this.tenantId()), eq(sites.status, 'active')))
          .all(),
      ).catch(() => [])
      const lowered = new Set(names.map((name) => name.toLowerCase()))
      for (const site of rows) {
        const key = site.name.toLowerCase()
        if (!lowered.has(key)) continue
        // Two sites of one name: neither is meant, and the alert falls back.
        byName.set(key, byName.has(key) ? '' : site.id)
      }
    }
    return (value: string | undefined): string | null => {
      if (value !== undefined) {
        const mapped = routing.sites[value]
        if (mapped && this.hasSite(mapped)) return mapped
        if (this.hasSite(value)) return value
        const named = byName.get(value.toLowerCase())
        if (named) return named
      }
      return routing.fallback_site_id !== null && this.hasSite(routing.fallback_site_id)
        ? routing.fallback_site_id
        : null
    }
  }

  private routing(id: string): IntegrationRouting {
    const row = this.db
      .select()
      .from(store.integrationRouting)
      .where(eq(store.integrationRouting.integrationId, id))
      .get()
    return row?.routing ?? { label: 'site', sites: {}, fallback_site_id: null }
  }

  /** Every site a routing names must be the tenant's. */
  private checkRouting(routing: IntegrationRouting) {
    const unknown = [
      ...Object.entries(routing.sites)
        .filter(([, siteId]) => !this.hasSite(siteId))
        .map(([value, siteId]) => ({
          path: `routing.sites.${value}`,
          message: `no site ${siteId} in this tenant`,
        })),
      ...(routing.fallback_site_id !== null && !this.hasSite(routing.fallback_site_id)
        ? [
            {
              path: 'routing.fallback_site_id',
              message: `no site ${routing.fallback_site_id} in this tenant`,
            },
          ]
        : []),
    ]
    if (unknown.length > 0)
      throw apiError(422, 'unknown_site', 'the routing names sites this tenant does not have', unknown)
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
      { siteId: null, routing: this.routing(row.id), path: tenantHookPath(this.tenantId(), row.id) },
      origin,
    )
  }
}
