import { and, asc, desc, eq, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import * as store from '../../schema/db/site-store'
import { EventType, type LoggedEvent } from '../../schema/events'
import { loggedBody } from '../lib/logged-body'
import { livePage, liveRow } from '../lib/row-pages'
import { updateRow } from '../lib/update-row'

export type IntegrationRow = typeof store.integrations.$inferSelect

/**
 * The site's integrations as their events left them, their secrets (kept beside the log, never
 * in it), the refusals counted against them and the sender delivery ids they accepted.
 */
export class IntegrationBook {
  /** A site's SQLite, or the tenant's for its tenant-wide integrations: both have these tables. */
  constructor(private readonly db: DrizzleSqliteDODatabase<Record<string, unknown>>) {}

  apply(event: Pick<LoggedEvent, 'type' | 'data' | 'time'> & { actor?: unknown }) {
    const body = loggedBody(event)
    const time = event.time
    const actor = String(event.actor ?? 'unknown')
    switch (body.type) {
      case EventType.integrationCreated: {
        const { integration_id, name, settings } = body.data
        this.db
          .insert(store.integrations)
          .values({
            id: integration_id,
            name,
            kind: settings.kind,
            settings,
            secretCount: 1,
            createdAt: time,
            createdBy: actor,
            updatedAt: time,
          })
          .onConflictDoNothing()
          .run()
        return
      }
      case EventType.integrationUpdated: {
        const { integration_id, name, settings } = body.data
        return this.setIntegration(integration_id, { name, settings, updatedAt: time })
      }
      case EventType.integrationSecretRotated:
        return this.setIntegration(body.data.integration_id, {
          secretCount: body.data.secrets,
          updatedAt: time,
        })
      case EventType.integrationDeleted:
        return this.setIntegration(body.data.integration_id, { deletedAt: time })
    }
  }

  integration(id: string): IntegrationRow | undefined {
    return liveRow(this.db, store.integrations, id)
  }

  integrations(limit: number, cursor: string | undefined): IntegrationRow[] {
    return livePage(this.db, store.integrations, limit, cursor)
  }

  secrets(integrationId: string): string[] {
    return this.db
      .select({ secret: store.integrationSecrets.secret })
      .from(store.integrationSecrets)
      .where(eq(store.integrationSecrets.integrationId, integrationId))
      .orderBy(asc(store.integrationSecrets.slot))
      .all()
      .map((row) => row.secret)
  }

  /** Writes an integration's secrets, newest first; called in the transaction of the event that says so. */
  storeSecrets(integrationId: string, secrets: readonly string[]) {
    this.db
      .delete(store.integrationSecrets)
      .where(eq(store.integrationSecrets.integrationId, integrationId))
      .run()
    if (secrets.length === 0) return
    this.db
      .insert(store.integrationSecrets)
      .values(secrets.map((secret, slot) => ({ integrationId, slot, secret })))
      .run()
  }

  /** Counts a delivery refused for its credentials; the body is not kept. */
  countRefusal(integrationId: string, sourceAddress: string, reason: string, at: string) {
    this.db
      .insert(store.hookRefusals)
      .values({ integrationId, sourceAddress, reason, count: 1, lastAt: at })
      .onConflictDoUpdate({
        target: [
          store.hookRefusals.integrationId,
          store.hookRefusals.sourceAddress,
          store.hookRefusals.reason,
        ],
        set: { count: sql`${store.hookRefusals.count} + 1`, lastAt: at },
      })
      .run()
  }

  refusals(integrationId: string) {
    return this.db
      .select()
      .from(store.hookRefusals)
      .where(eq(store.hookRefusals.integrationId, integrationId))
      .orderBy(desc(store.hookRefusals.lastAt))
      .limit(1000)
      .all()
  }

  /** The delivery that first came with this sender id, if one did. */
  deliveryOf(integrationId: string, senderDeliveryId: string): string | undefined {
    return this.db
      .select({ id: store.hookDeliveries.deliveryId })
      .from(store.hookDeliveries)
      .where(
        and(
          eq(store.hookDeliveries.integrationId, integrationId),
          eq(store.hookDeliveries.senderDeliveryId, senderDeliveryId),
        ),
      )
      .get()?.id
  }

  rememberDelivery(integrationId: string, senderDeliveryId: string, deliveryId: string) {
    this.db.insert(store.hookDeliveries).values({ integrationId, senderDeliveryId, deliveryId }).run()
  }

  private setIntegration(id: string, values: Partial<typeof store.integrations.$inferInsert>) {
    updateRow(this.db, store.integrations, id, values)
  }
}
