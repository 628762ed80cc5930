import { and, asc, eq, gt } from 'drizzle-orm'
import { Hono } from 'hono'
import * as v from 'valibot'
import {
  ArchiveSiteBody,
  CreateSiteBody,
  ListSitesQuery,
  QuarantinePage,
  QuarantineRetried,
  Site,
  SitePage,
  SiteStatus,
  UpdateSiteBody,
} from '../../schema/api/sites'
import { Ulid } from '../../schema/common'
import { sites } from '../../schema/db/projections'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite, callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { optionalJson, requireJson, valid } from '../http/validation'
import { labelMatches } from '../lib/label-selector'
import { byId, toPage } from '../lib/paging'
import { readProjections } from '../projections/connection'
import { visibleRows } from '../projections/visible-rows'

export const SiteParam = v.object({ siteId: Ulid })

/** `/v1/sites`: create, list, read, change, archive and restore sites. */
export const siteRoutes = new Hono<AppEnv>()
  .post(
    '/',
    route({
      summary: 'Create a site',
      tag: 'Sites',
      ok: { status: 201, schema: Site, description: 'The new site' },
      errors: { 415: 'Body is not JSON', 422: 'Idempotency-Key reused with another request' },
    }),
    audited('site.create', 'site'),
    authorize('admin'),
    requireJson,
    valid('json', CreateSiteBody),
    async (c) => {
      const write = writeOf(c)
      return send(c, await callerTenant(c).createSite(c.req.valid('json'), write))
    },
  )
  .get(
    '/',
    route({
      summary: 'List sites',
      tag: 'Sites',
      description: 'Reads the projection: a site appears once its first events are projected.',
      ok: { status: 200, schema: SitePage, description: 'A page of sites, oldest first' },
      errors: { 503: 'The projections database is unreachable' },
    }),
    valid('query', ListSitesQuery),
    async (c) => {
      const query = c.req.valid('query')
      const rows = await readProjections(c.env, (db) =>
        db
          .select()
          .from(sites)
          .where(
            and(
              visibleRows(c.var.principal, sites.tenantId, sites.id),
              query.cursor ? gt(sites.id, query.cursor) : undefined,
              query.status ? eq(sites.status, query.status) : undefined,
              labelMatches(sites.labels, query.label),
            ),
          )
          .orderBy(asc(sites.id))
          .limit(query.limit + 1),
      )
      return c.json(
        toPage(
          rows,
          query.limit,
          (page) =>
            page.map(
              (row): Site => ({
                id: row.id,
                tenant_id: row.tenantId,
                name: row.name,
                description: row.description,
                labels: row.labels,
                timezone: row.timezone,
                agent_approval: row.agentApproval,
                retention_days: row.retentionDays,
                status: row.status,
                created_at: row.createdAt,
                updated_at: row.updatedAt,
                archived_at: row.archivedAt,
              }),
            ),
          byId,
        ),
      )
    },
  )
  .get(
    '/:siteId',
    route({
      summary: 'Get a site',
      tag: 'Sites',
      ok: { status: 200, schema: Site, description: 'The site' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).site.get()),
  )
  .patch(
    '/:siteId',
    route({
      summary: 'Change a site',
      tag: 'Sites',
      ok: { status: 200, schema: Site, description: 'The site as changed' },
      errors: { 409: 'The site is archived', 415: 'Body is not JSON' },
    }),
    valid('param', SiteParam),
    audited('site.update', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', UpdateSiteBody),
    async (c) => send(c, await callerSite(c).site.update(c.req.valid('json'), writeOf(c))),
  )
  .post(
    '/:siteId/archive',
    route({
      summary: 'Archive a site',
      tag: 'Sites',
      description: 'An archived site keeps its log and stays readable, but refuses writes until restored.',
      ok: { status: 200, schema: Site, description: 'The archived site' },
    }),
    valid('param', SiteParam),
    audited('site.archive', 'site'),
    authorize('admin', 'site'),
    optionalJson,
    valid('json', ArchiveSiteBody),
    async (c) => send(c, await callerSite(c).site.archive(c.req.valid('json')?.reason, writeOf(c))),
  )
  .post(
    '/:siteId/restore',
    route({
      summary: 'Restore an archived site',
      tag: 'Sites',
      ok: { status: 200, schema: Site, description: 'The site' },
    }),
    valid('param', SiteParam),
    audited('site.restore', 'site'),
    authorize('admin', 'site'),
    async (c) => send(c, await callerSite(c).site.restore(writeOf(c))),
  )
  .get(
    '/:siteId/status',
    route({
      summary: "Where a site's log and projection stand",
      tag: 'Sites',
      ok: { status: 200, schema: SiteStatus, description: 'Log head, projected seq, projector state' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).site.status()),
  )
  .get(
    '/:siteId/projection/quarantine',
    route({
      summary: 'Events the projection set aside',
      tag: 'Sites',
      description:
        'Events the projector could not apply to libSQL, each with its seq and error. They stay in the log; ' +
        'the rest of the log is projected without them. Retry them once the cause is fixed, or rebuild.',
      ok: { status: 200, schema: QuarantinePage, description: 'The quarantined events, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).site.quarantined()),
  )
  .post(
    '/:siteId/projection/retry',
    route({
      summary: 'Apply the quarantined events again',
      tag: 'Sites',
      description:
        'Each quarantined event is applied to the projection again; those that apply now leave the quarantine.',
      ok: { status: 200, schema: QuarantineRetried, description: 'Released and still quarantined events' },
    }),
    valid('param', SiteParam),
    audited('projection.retry', 'site'),
    authorize('admin', 'site'),
    async (c) => send(c, await callerSite(c).site.retryQuarantined()),
  )
