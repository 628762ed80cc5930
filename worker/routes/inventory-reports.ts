import { Hono } from 'hono'
import * as v from 'valibot'
import {
  EntityReport,
  EntityReportQuery,
  GroupedReport,
  PivotQuery,
  PivotReport,
} from '../../schema/api/inventory-reports'
import type { AppEnv } from '../http/context'
import { route } from '../http/reply'
import { valid } from '../http/validation'
import { reportGroups } from '../inventory/entity-report'
import { pivotPlan, pivotReport } from '../inventory/pivot-report'
import { entityReport } from '../inventory/report-render'
import { readProjections } from '../projections/connection'

const TAG = 'Inventory'
const REACH =
  'Reads the tenant-wide projection, which follows each site’s log a moment behind; it holds only what the ' +
  'caller may read: entities of the sites it sees, in a site it administers all of them, elsewhere those ' +
  'not restricted and those granted to the user or one of their teams.'

/** `/v1/inventory/reports/…`: tenant-wide inventory reports and their exports. */
export const inventoryReportRoutes = new Hono<AppEnv>()
  .get(
    '/reports/entities',
    route({
      summary: 'Report on one kind of entity',
      tag: TAG,
      description:
        '`columns` (comma-separated fields: id, site_id, name, team_id, active, restricted, stale, created_at, updated_at, last_seen_at, ' +
        'tags, attributes.…, custom_fields.…), repeated `filter=field:op:value` (op contains, equals, after, ' +
        'before), `active`, repeated `tag` and `related` (a relation type, either way), `sort` (`-field` ' +
        'descending). `group_by` answers counts per value instead. `format=csv` streams every matching row ' +
        '(RFC 4180); `format=pdf` renders up to `limit` rows as a table. ' +
        REACH,
      ok: { status: 200, schema: v.union([EntityReport, GroupedReport]), description: 'Rows, or counts' },
      errors: { 503: 'The projections database is unreachable' },
    }),
    valid('query', EntityReportQuery),
    async (c) => {
      const query = c.req.valid('query')
      const { principal } = c.var
      if (query.group_by) {
        const grouped = { ...query, group_by: query.group_by }
        const groups = await readProjections(c.env, (db) => reportGroups(db, principal, grouped))
        return c.json({ kind: query.kind, group_by: query.group_by, groups })
      }
      // The same rendering a saved report's run writes to R2.
      const rendered = await entityReport(c.env, principal, query, query.format)
      return c.body(rendered.body, 200, {
        'content-type': rendered.contentType,
        ...(query.format !== 'json' && {
          'content-disposition': `attachment; filename="${query.kind}-report.${query.format}"`,
        }),
      })
    },
  )
  .get(
    '/reports/pivot',
    route({
      summary: 'Pivot the inventory along a chain of relations',
      tag: TAG,
      description:
        '`chain` alternates kinds and relation types, e.g. `client,owned_by,system,member_of,application,runs_on,server` ' +
        '(each relation is followed whichever way it joins the two kinds). Repeated `filter=level:field:op:value` ' +
        'filters any level (0 is the first kind); branches that reach no entity of a filtered deeper level are ' +
        `left out. ${REACH}`,
      ok: {
        status: 200,
        schema: PivotReport,
        description: 'The tree, and how many entities each level holds',
      },
      errors: { 503: 'The projections database is unreachable' },
    }),
    valid('query', PivotQuery),
    async (c) => {
      const plan = pivotPlan(c.req.valid('query'))
      return c.json(await readProjections(c.env, (db) => pivotReport(db, c.var.principal, plan)))
    },
  )
