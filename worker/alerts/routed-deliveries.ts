import { and, asc, desc, eq, lt, lte, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import type { RoutedDelivery } from '../../schema/alerts/routing'
import type {
  HookAccepted,
  RoutedOutcome,
  TenantDelivery,
  TenantDeliveryQuery,
} from '../../schema/api/alerts'
import * as store from '../../schema/db/tenant-store'
import type { RecordedRequest } from '../../schema/events'
import type { Env } from '../env'
import type { Answer } from '../lib/idempotency'
import { errorMessage, log } from '../lib/log'
import { type Page, toPage } from '../lib/paging'
import { updateRow } from '../lib/update-row'
import { siteOf } from '../objects'

/** How long a site that cannot be reached is tried again, and how often. */
const HANDOVER_RETRY_MS = [5_000, 30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000]
/** Deliveries kept for review; older ones go on the alarm. */
const ROUTED_DELIVERY_KEEP_MS = 7 * 24 * 60 * 60_000

type SiteRow = typeof store.routedDeliverySites.$inferSelect

/** A site's answer to a handover, as the outcomes of its alerts record it. */
type Handover = { stored: HookAccepted } | { refused: string } | { unreachable: string }

/** A delivery to keep: what came, each alert's site and outcome so far, and each site's share. */
export interface DeliveryToKeep {
  id: string
  integrationId: string
  receivedAt: number
  request: RecordedRequest
  senderDeliveryId: string | null
  outcomes: RoutedOutcome[]
  bySite: Map<string, RoutedDelivery>
}

/**
 * The tenant's deliveries to tenant-wide integrations, kept as they came (their bodies may hold
 * several sites' alerts), and each site's share until that site has stored it: handed over at
 * once, then again from the alarm while the site cannot be reached.
 */
export class RoutedDeliveries {
  readonly name = 'routed_deliveries'

  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly tenantId: () => string,
    /** Asks the object's alarm for this part's `due` again. */
    private readonly wake: () => void,
  ) {}

  /** Keeps a delivery and every site's share in one transaction, with `alongside` in it. */
  keep(delivery: DeliveryToKeep, alongside: () => void) {
    this.storage.transactionSync(() => {
      this.db
        .insert(store.routedDeliveries)
        .values({
          id: delivery.id,
          integrationId: delivery.integrationId,
          receivedAt: new Date(delivery.receivedAt),
          request: delivery.request,
          senderDeliveryId: delivery.senderDeliveryId,
          alerts: delivery.outcomes,
        })
        .run()
      for (const [siteId, share] of delivery.bySite)
        this.db
          .insert(store.routedDeliverySites)
          .values({
            deliveryId: delivery.id,
            siteId,
            delivery: share,
            state: 'pending',
            attempts: 0,
            nextAt: new Date(delivery.receivedAt),
          })
          .run()
      alongside()
    })
  }

  /** Hands every site its share now; answers each alert's outcome as the sites left it. */
  async handOver(deliveryId: string, now: number): Promise<RoutedOutcome[]> {
    await Promise.all(this.pending(deliveryId).map((site) => this.handOverOne(site, now)))
    this.wake()
    return this.outcomes(deliveryId)
  }

  /** Recorded deliveries, newest first. */
  list(id: string, { limit, cursor, outcome }: TenantDeliveryQuery): Answer<Page<TenantDelivery>> {
    const d = store.routedDeliveries
    const rows = this.db
      .select()
      .from(d)
      .where(
        and(
          eq(d.integrationId, id),
          cursor === undefined ? undefined : lt(d.id, cursor),
          outcome === undefined
            ? undefined
            : sql`exists (select 1 from json_each(${d.alerts}) where json_extract(value, '$.outcome') = ${outcome})`,
        ),
      )
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

  /** When the alarm is next needed: the soonest handover to try again. */
  due(): number | undefined {
    const next = this.db
      .select({ at: sql<number | null>`min(${store.routedDeliverySites.nextAt})` })
      .from(store.routedDeliverySites)
      .where(eq(store.routedDeliverySites.state, 'pending'))
      .get()?.at
    return next ?? undefined
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
    for (const site of due) await this.handOverOne(site, now)
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
  }

  /** Gives one site its alerts of a delivery, and writes down what it answered. */
  private async handOverOne(site: SiteRow, now: number) {
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
    updateRow(this.db, store.routedDeliveries, site.deliveryId, { alerts })
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
}
