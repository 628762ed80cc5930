import { and, desc, eq, gte, like, lt, or, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { type AlertRecord, AlertRecordPage, SearchAlertsQuery } from '../../schema/api/alerts'
import { alerts } from '../../schema/db/projections'
import { labelConditions } from '../alerts/label-filter'
import type { AppEnv } from '../http/context'
import { route } from '../http/reply'
import { valid } from '../http/validation'
import { byId, toPage } from '../lib/paging'
import { readProjections } from '../projections/connection'
import { visibleRows } from '../projections/visible-rows'

type AlertRow = typeof alerts.$inferSelect

const toRecord = (row: AlertRow): AlertRecord => ({
  id: row.id,
  site_id: row.siteId,
  integration_id: row.integrationId,
  kind: row.kind,
  fingerprint: row.fingerprint,
  episode: row.episode,
  status: row.status,
  severity: row.severity,
  name: row.name,
  summary: row.summary,
  labels: row.labels,
  starts_at: row.startsAt,
  ends_at: row.endsAt,
  silenced: row.silences > 0,
  acknowledged: row.acknowledgedAt !== null,
  flapping: row.flapping,
  updated_at: row.updatedAt,
})

/** `/v1/alerts`: the alerts of every site the caller may see, from the projections. */
export const alertHistoryRoutes = new Hono<AppEnv>().get(
  '/',
  route({
    summary: 'Search alerts across sites',
    tag: 'Alerts',
    description:
      'Every alert series the caller may see, newest first, with its current or last episode. Filters as on a ' +
      'site’s list, plus `site_id` and `since`/`until` on the episode’s start.',
    ok: { status: 200, schema: AlertRecordPage, description: 'Alerts, newest first' },
    errors: { 503: 'The projections database is unreachable' },
  }),
  valid('query', SearchAlertsQuery),
  async (c) => {
    const query = c.req.valid('query')
    const rows = await readProjections(c.env, (db) =>
      db
        .select()
        .from(alerts)
        .where(
          and(
            visibleRows(c.var.principal, alerts.tenantId, alerts.siteId),
            query.cursor ? lt(alerts.id, query.cursor) : undefined,
            query.site_id ? eq(alerts.siteId, query.site_id) : undefined,
            query.status ? eq(alerts.status, query.status) : undefined,
            query.severity ? eq(alerts.severity, query.severity) : undefined,
            query.integration_id ? eq(alerts.integrationId, query.integration_id) : undefined,
            query.silenced === undefined
              ? undefined
              : query.silenced === 'true'
                ? sql`${alerts.silences} > 0`
                : eq(alerts.silences, 0),
            query.q ? or(like(alerts.name, `%${query.q}%`), like(alerts.summary, `%${query.q}%`)) : undefined,
            query.since ? gte(alerts.startsAt, query.since) : undefined,
            query.until ? lt(alerts.startsAt, query.until) : undefined,
            ...labelConditions(alerts.labels, query.label),
          ),
        )
        .orderBy(desc(alerts.id))
        .limit(query.limit + 1),
    )
    return c.json(toPage(rows, query.limit, (page) => page.map(toRecord), byId))
  },
)
