import { and, asc, eq, gt } from 'drizzle-orm'
import { Hono } from 'hono'
import { type Agent, AgentPage, ListAgentsQuery } from '../../schema/api/agents'
import { agents } from '../../schema/db/projections'
import type { AppEnv } from '../http/context'
import { route } from '../http/reply'
import { valid } from '../http/validation'
import { labelMatches } from '../lib/label-selector'
import { byId, toPage } from '../lib/paging'
import { readProjections } from '../projections/connection'
import { visibleRows } from '../projections/visible-rows'

/** `GET /v1/agents`: the inventory of hosts across the tenant's sites, from the projection. */
export const agentInventoryRoutes = new Hono<AppEnv>().get(
  '/',
  route({
    summary: 'Search the inventory of hosts',
    tag: 'Agents',
    description: 'Every agent the caller may see, across sites, with filters on facts and labels.',
    ok: { status: 200, schema: AgentPage, description: 'Agents, oldest first' },
    errors: { 503: 'The projections database is unreachable' },
  }),
  valid('query', ListAgentsQuery),
  async (c) => {
    const query = c.req.valid('query')
    const rows = await readProjections(c.env, (db) =>
      db
        .select()
        .from(agents)
        .where(
          and(
            visibleRows(c.var.principal, agents.tenantId, agents.siteId),
            query.cursor ? gt(agents.id, query.cursor) : undefined,
            query.site_id ? eq(agents.siteId, query.site_id) : undefined,
            query.status ? eq(agents.status, query.status) : undefined,
            query.presence ? eq(agents.presence, query.presence) : undefined,
            query.os ? eq(agents.osFamily, query.os) : undefined,
            query.arch ? eq(agents.arch, query.arch) : undefined,
            query.hostname ? eq(agents.hostname, query.hostname) : undefined,
            labelMatches(agents.labels, query.label),
          ),
        )
        .orderBy(asc(agents.id))
        .limit(query.limit + 1),
    )
    return c.json(
      toPage(
        rows,
        query.limit,
        (page) =>
          page.map(
            (row): Agent => ({
              id: row.id,
              site_id: row.siteId,
              hostname: row.hostname,
              labels: row.labels,
              status: row.status,
              presence: row.presence,
              version: row.version,
              facts: row.facts as Agent['facts'],
              enrolled_at: row.enrolledAt,
              last_seen_at: row.lastSeenAt,
            }),
          ),
        byId,
      ),
    )
  },
)
