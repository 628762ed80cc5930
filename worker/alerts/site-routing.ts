import { and, eq } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import type { IntegrationRouting } from '../../schema/alerts/routing'
import { sites } from '../../schema/db/projections'
import * as store from '../../schema/db/tenant-store'
import type { Env } from '../env'
import { apiError } from '../http/errors'
import { readProjections } from '../projections/connection'

/** A site renamed or created a moment ago is found by its new name this long after. */
const NAMES_FRESH_MS = 5_000

/** How each tenant-wide integration finds its alerts' sites: kept by the tenant, checked against its sites. */
export class SiteRouting {
  private names: { until: number; rows: { id: string; name: string }[] } | undefined

  constructor(
    private readonly db: DrizzleSqliteDODatabase<typeof store>,
    private readonly env: Env,
    private readonly tenantId: () => string,
    private readonly hasSite: (siteId: string) => boolean,
  ) {}

  of(integrationId: string): IntegrationRouting {
    const row = this.db
      .select()
      .from(store.integrationRouting)
      .where(eq(store.integrationRouting.integrationId, integrationId))
      .get()
    return row?.routing ?? { label: 'site', sites: {}, fallback_site_id: null }
  }

  /** Keeps a routing once every site it names is the tenant's (else 422, naming them). */
  put(integrationId: string, routing: IntegrationRouting) {
    this.check(routing)
    this.db
      .insert(store.integrationRouting)
      .values({ integrationId, routing })
      .onConflictDoUpdate({ target: store.integrationRouting.integrationId, set: { routing } })
      .run()
  }

  /**
   * Finds a label value's site: the routing's own map, else a site id of this tenant, else a
   * site name (any case, from the projections: a site created a moment ago may not be found
   * by name yet), else the fallback; null when none holds.
   */
  async finder(routing: IntegrationRouting, values: (string | undefined)[]) {
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
      const rows = await this.activeSites()
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

  /** The tenant's active sites by name, read at most once per {@link NAMES_FRESH_MS}: a busy hook asks per delivery. */
  private async activeSites(): Promise<{ id: string; name: string }[]> {
    const now = Date.now()
    if (this.names && this.names.until > now) return this.names.rows
    const rows = await readProjections(this.env, (db) =>
      db
        .select({ id: sites.id, name: sites.name })
        .from(sites)
        .where(and(eq(sites.tenantId, this.tenantId()), eq(sites.status, 'active')))
        .all(),
    ).catch(() => undefined)
    if (rows === undefined) return []
    this.names = { until: now + NAMES_FRESH_MS, rows }
    return rows
  }

  /** Every site a routing names must be the tenant's. */
  private check(routing: IntegrationRouting) {
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
}
