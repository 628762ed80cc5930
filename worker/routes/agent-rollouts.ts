import { Hono } from 'hono'
import { describeRoute } from 'hono-openapi'
import * as v from 'valibot'
import {
  AgentRollout,
  AgentRolloutPage,
  CreateRolloutBody,
  ListRolloutsQuery,
} from '../../schema/api/agent-rollouts'
import { Ulid } from '../../schema/common'
import { AgentBuildStore } from '../agent-builds/build-store'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite, callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { ApiError, apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { siteOf } from '../objects'
import { SiteParam } from './sites'

const TAG = 'Agent upgrades'
const RolloutParam = v.object({ siteId: Ulid, rolloutId: Ulid })
const BuildParam = v.object({ siteId: Ulid, buildId: Ulid })

/** `/v1/sites/{siteId}/agent-rollouts`: upgrades of a site's agents to a build, batch by batch. */
export const rolloutRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/agent-rollouts',
    route({
      summary: 'Roll an agent build out',
      tag: TAG,
      description:
        'Upgrades the approved agents of the site (those whose labels include `selector`, when given) to the ' +
        'build, `batch_size` at a time. An agent counts as upgraded when it reconnects reporting the build’s ' +
        'version, as failed when it reports a refusal or a rollback, or is not back within `timeout_seconds`; ' +
        'the next batch starts when the current one is settled, and the rollout halts once more agents failed ' +
        'than `failure_budget`. An older build downgrades the same way. One rollout runs per site at a time.',
      ok: { status: 201, schema: AgentRollout, description: 'The rollout, its first batch under way' },
      errors: {
        409: 'Another rollout is running or paused (`rollout_active`), or the site is archived',
        415: 'Body is not JSON',
        422: 'No such build (`unknown_build`), a build whose signature did not verify (`unverified_build`), or no agent matches (`no_agents`)',
      },
    }),
    valid('param', SiteParam),
    audited('agent_rollout.start', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateRolloutBody),
    async (c) => {
      const body = c.req.valid('json')
      // A site the caller may not see answers 404 before anything is said of the build.
      const visible = await callerSite(c).rollouts.list(1, undefined)
      if (visible.refused) return send(c, visible)
      const build = await new AgentBuildStore(c.env.ARCHIVES, c.var.caller.tenantId)
        .get(body.build_id)
        .catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 404)
            throw apiError(422, 'unknown_build', 'no such agent build', { build_id: body.build_id })
          throw error
        })
      const key = await callerTenant(c).agentSigningKey()
      return send(c, await callerSite(c).rollouts.start(build, key, body, writeOf(c)))
    },
  )
  .get(
    '/:siteId/agent-rollouts',
    route({
      summary: "List a site's agent rollouts",
      tag: TAG,
      ok: {
        status: 200,
        schema: AgentRolloutPage,
        description: 'Rollouts, oldest first, each with its agents',
      },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListRolloutsQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerSite(c).rollouts.list(limit, cursor))
    },
  )
  .get(
    '/:siteId/agent-rollouts/:rolloutId',
    route({
      summary: 'Get an agent rollout',
      tag: TAG,
      ok: { status: 200, schema: AgentRollout, description: 'The rollout and where each agent stands' },
    }),
    valid('param', RolloutParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).rollouts.get(c.req.valid('param').rolloutId)),
  )

for (const [action, summary, description] of [
  [
    'pause',
    'Pause an agent rollout',
    'The batch under way goes on; no next batch starts until it is resumed.',
  ],
  ['resume', 'Resume an agent rollout', 'Starts the next batch if the current one is settled.'],
  [
    'cancel',
    'Cancel an agent rollout',
    'No more agents are sent the build; agents already upgraded keep it.',
  ],
] as const) {
  rolloutRoutes.post(
    `/:siteId/agent-rollouts/:rolloutId/${action}`,
    route({
      summary,
      tag: TAG,
      description,
      ok: { status: 200, schema: AgentRollout, description: 'The rollout' },
      errors: { 409: 'The rollout has finished (`rollout_finished`), or the site is archived' },
    }),
    valid('param', RolloutParam),
    audited(`agent_rollout.${action}`, 'site'),
    authorize('operator', 'site'),
    async (c) =>
      send(c, await callerSite(c).rollouts.control(c.req.valid('param').rolloutId, action, writeOf(c))),
  )
}

/** An agent downloads the build its rollout sends it, with a JWT for exactly the path; the Site object decides. */
export const agentBuildDownloadRoutes = new Hono<AppEnv>().get(
  '/sites/:siteId/agents/builds/:buildId',
  describeRoute({
    summary: 'An agent downloads the build it is to upgrade to',
    tags: [TAG],
    description:
      'Only while a rollout of this build is upgrading the agent. No API key: `Authorization: Bearer <agent JWT>` ' +
      'whose `aud` is this path.',
    security: [],
    responses: {
      200: { description: 'text/javascript; the `ETag` is its SHA-256' },
      401: { description: 'No valid agent JWT' },
      403: {
        description:
          'No rollout is upgrading the agent to this build (`not_your_upgrade`), or it was revoked',
      },
      404: { description: 'The build was deleted' },
    },
  }),
  valid('param', BuildParam),
  async (c) => siteOf(c.env, c.req.valid('param').siteId).fetch(c.req.raw),
)
