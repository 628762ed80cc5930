import { Hono } from 'hono'
import * as v from 'valibot'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerTenant } from '../http/caller-objects'
import type { AppEnv } from '../http/context'
import { route } from '../http/reply'

const RebuildResult = v.object({ sites: v.number(), failed: v.array(v.string()) })

/** `/v1/admin`: operations on the platform itself. */
export const adminRoutes = new Hono<AppEnv>().post(
  '/projections/rebuild',
  route({
    summary: 'Rebuild the projections from the logs',
    tag: 'Admin',
    description:
      "Each of the tenant's sites deletes its rows from the libSQL projections and replays its log into them. " +
      'Answers when every site has started its replay; follow progress with each site’s status.',
    ok: {
      status: 202,
      schema: RebuildResult,
      description: 'How many sites replay, and which could not start',
    },
  }),
  audited('projections.rebuild', 'tenant'),
  authorize('admin'),
  async (c) => c.json(await callerTenant(c).rebuildProjections(), 202),
)
