import { and, desc, eq, gte, lt, or } from 'drizzle-orm'
import { Hono } from 'hono'
import { IndexedEventPage, SearchEventsQuery } from '../../schema/api/events'
import { siteEvents } from '../../schema/db/projections'
import type { AppEnv } from '../http/context'
import { route } from '../http/reply'
import { valid } from '../http/validation'
import { toPage } from '../lib/paging'
import { readProjections } from '../projections/connection'
import { visibleRows } from '../projections/visible-rows'

/** `GET /v1/events`: the tenant-wide index of every site's events, newest first. */
export const eventIndexRoutes = new Hono<AppEnv>().get(
  '/',
  route({
    summary: 'Search events across sites',
    tag: 'Events',
    description:
      'Reads the projected event index (no data). Follow an entry to its site log for the full event. ' +
      'Step output chunks (`io.sitewire.step.output`) are not indexed: they stay with the run.',
    ok: { status: 200, schema: IndexedEventPage, description: 'Matching events, newest first' },
    errors: { 503: 'The projections database is unreachable' },
  }),
  valid('query', SearchEventsQuery),
  async (c) => {
    const query = c.req.valid('query')
    const [cursorTime, cursorSite] = query.cursor ? splitCursor(query.cursor) : []
    const rows = await readProjections(c.env, (db) =>
      db
        .select()
        .from(siteEvents)
        .where(
          and(
            visibleRows(c.var.principal, siteEvents.tenantId, siteEvents.siteId),
            query.type ? eq(siteEvents.type, query.type) : undefined,
            query.site_id ? eq(siteEvents.siteId, query.site_id) : undefined,
            query.subject ? eq(siteEvents.subject, query.subject) : undefined,
            query.since ? gte(siteEvents.time, query.since) : undefined,
            cursorTime !== undefined && cursorSite
              ? or(
                  lt(siteEvents.time, cursorTime.time),
                  and(eq(siteEvents.time, cursorTime.time), lt(siteEvents.siteId, cursorSite)),
                  and(
                    eq(siteEvents.time, cursorTime.time),
                    eq(siteEvents.siteId, cursorSite),
                    lt(siteEvents.seq, cursorTime.seq),
                  ),
                )
              : undefined,
          ),
        )
        .orderBy(desc(siteEvents.time), desc(siteEvents.siteId), desc(siteEvents.seq))
        .limit(query.limit + 1),
    )
    return c.json(
      toPage(
        rows,
        query.limit,
        (page) =>
          page.map((row) => ({
            site_id: row.siteId,
            seq: row.seq,
            id: row.id,
            source: row.source,
            type: row.type,
            subject: row.subject,
            time: row.time,
          })),
        (last) => `${last.seq}:${last.siteId}@${last.time}`,
      ),
    )
  },
)

const splitCursor = (cursor: string): [{ seq: number; time: string }, string] => {
  const [position = '', time = ''] = cursor.split('@')
  const [seq = '0', site = ''] = position.split(':')
  return [{ seq: Number(seq), time }, site]
}
