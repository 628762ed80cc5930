import { Hono } from 'hono'
import { describeRoute, resolver } from 'hono-openapi'
import { decodeJwt } from 'jose'
import * as v from 'valibot'
import { EnrolBody, Enrolled } from '../../schema/agent/protocol'
import {
  Agent,
  AgentPage,
  CreatedEnrolmentToken,
  CreateEnrolmentTokenBody,
  DecideAgentBody,
  EnrolmentToken,
  EnrolmentTokenPage,
  ListSiteAgentsQuery,
  RefreshedFacts,
} from '../../schema/api/agents'
import { PageQuery, Ulid } from '../../schema/common'
import type { AgentDecision } from '../agents/agent-decider'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { optionalJson, requireJson, valid } from '../http/validation'
import { siteFor, siteOf } from '../objects'
import { SiteParam } from './sites'

const TokenParam = v.object({ siteId: Ulid, tokenId: Ulid })
const AgentParam = v.object({ siteId: Ulid, agentId: Ulid })
const TokensQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })
const origin = (url: string) => new URL(url).origin

/** Enrolment and the agents' own connection: no API key, the token or the agent's JWT is the credential. */
export const agentEntryRoutes = new Hono<AppEnv>()
  .post(
    '/agents/enrol',
    describeRoute({
      summary: 'Enrol an agent',
      tags: ['Agents'],
      description:
        'Called by `sitewire-agent enrol TOKEN`: the enrolment token is the credential, and the agent registers its ' +
        'Ed25519 public key. No API key.',
      security: [],
      responses: {
        201: { description: 'Enrolled', content: { 'application/json': { schema: resolver(Enrolled) } } },
        400: { description: 'Invalid body' },
        401: { description: 'The token is not valid, expired, revoked or used up' },
      },
    }),
    requireJson,
    valid('json', EnrolBody),
    async (c) => {
      const body = c.req.valid('json')
      let siteId: unknown
      try {
        siteId = decodeJwt(body.token).site
      } catch {
        throw apiError(401, 'invalid_enrolment_token', 'the enrolment token is not valid')
      }
      if (!v.is(Ulid, siteId))
        throw apiError(401, 'invalid_enrolment_token', 'the enrolment token names no site')
      return send(c, await siteOf(c.env, siteId).enrolAgent(body.token, body, origin(c.req.url)))
    },
  )
  .get(
    '/sites/:siteId/agents/connect',
    describeRoute({
      summary: "An agent's WebSocket",
      tags: ['Agents'],
      description:
        'Agents connect here with `Authorization: Bearer <JWT>` signed by their Ed25519 key (see the agent protocol). ' +
        'Frames are CloudEvents from the agent, acknowledged once stored; `ping` answers `pong`.',
      security: [],
      responses: {
        101: { description: 'Switching protocols' },
        401: { description: 'No valid agent JWT' },
        403: { description: 'The agent was rejected or revoked' },
      },
    }),
    valid('param', SiteParam),
    async (c) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        throw apiError(426, 'upgrade_required', 'agents connect with a WebSocket')
      }
      return siteOf(c.env, c.req.valid('param').siteId).fetch(c.req.raw)
    },
  )

const decision = (name: AgentDecision, summary: string) =>
  [
    `/:siteId/agents/:agentId/${name}`,
    route({
      summary,
      tag: 'Agents',
      ok: { status: 200, schema: Agent, description: 'The agent' },
      errors: { 409: 'Not possible in the agent’s state' },
    }),
    valid('param', AgentParam),
    audited(`agent.${name}`, 'agent'),
    authorize('operator', 'site'),
    optionalJson,
    valid('json', DecideAgentBody),
  ] as const

/** `/v1/sites/{siteId}/…`: enrolment tokens and the site's agents. */
export const siteAgentRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/enrolment-tokens',
    route({
      summary: 'Create an enrolment token',
      tag: 'Agents',
      description:
        'A signed token for `sitewire-agent enrol TOKEN`. It is shown once; only its state is kept.',
      ok: { status: 201, schema: CreatedEnrolmentToken, description: 'The token' },
      errors: { 409: 'The site is archived', 415: 'Body is not JSON' },
    }),
    valid('param', SiteParam),
    audited('enrolment_token.create', 'site'),
    authorize('operator', 'site'),
    requireJson,
    valid('json', CreateEnrolmentTokenBody),
    async (c) =>
      send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).agents.createToken(
          c.req.valid('json'),
          writeOf(c),
          origin(c.req.url),
        ),
      ),
  )
  .get(
    '/:siteId/enrolment-tokens',
    route({
      summary: 'List enrolment tokens',
      tag: 'Agents',
      ok: { status: 200, schema: EnrolmentTokenPage, description: 'Tokens, without the tokens themselves' },
    }),
    valid('param', SiteParam),
    authorize('operator', 'site'),
    valid('query', TokensQuery),
    async (c) => {
      const query = c.req.valid('query')
      return send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).agents.listTokens(
          query.limit,
          query.cursor,
        ),
      )
    },
  )
  .delete(
    '/:siteId/enrolment-tokens/:tokenId',
    route({
      summary: 'Revoke an enrolment token',
      tag: 'Agents',
      ok: { status: 200, schema: EnrolmentToken, description: 'The revoked token' },
    }),
    valid('param', TokenParam),
    audited('enrolment_token.revoke', 'site'),
    authorize('operator', 'site'),
    async (c) => {
      const { siteId, tokenId } = c.req.valid('param')
      return send(
        c,
        await siteFor(c.env, siteId, c.var.caller).agents.revokeToken(tokenId, {
          caller: c.var.caller,
          idempotency: c.var.idempotency,
        }),
      )
    },
  )
  .get(
    '/:siteId/agents',
    route({
      summary: "List a site's agents",
      tag: 'Agents',
      ok: { status: 200, schema: AgentPage, description: 'Agents, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListSiteAgentsQuery),
    async (c) =>
      send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).agents.list(c.req.valid('query')),
      ),
  )
  .post(
    '/:siteId/agents/refresh-facts',
    route({
      summary: 'Ask every connected agent for its facts now',
      tag: 'Agents',
      description: 'One message to every connected agent; each answers with its complete facts.',
      ok: { status: 202, schema: RefreshedFacts, description: 'How many agents were asked' },
    }),
    valid('param', SiteParam),
    audited('agent.refresh_facts', 'site'),
    authorize('operator', 'site'),
    async (c) =>
      send(
        c,
        await siteFor(c.env, c.req.valid('param').siteId, c.var.caller).agents.refreshFacts(writeOf(c)),
      ),
  )
  .get(
    '/:siteId/agents/:agentId',
    route({
      summary: 'Get an agent',
      tag: 'Agents',
      ok: { status: 200, schema: Agent, description: 'The agent and its facts' },
    }),
    valid('param', AgentParam),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, agentId } = c.req.valid('param')
      return send(c, await siteFor(c.env, siteId, c.var.caller).agents.get(agentId))
    },
  )

for (const [name, summary] of [
  ['approve', 'Approve a pending agent'],
  ['reject', 'Reject a pending agent'],
  ['revoke', 'Revoke an agent: it is disconnected at once and refused afterwards'],
] as const) {
  siteAgentRoutes.post(...decision(name, summary), async (c) => {
    const { siteId, agentId } = c.req.valid('param')
    const body = (c.req.valid('json') ?? {}) as { reason?: string }
    return send(
      c,
      await siteFor(c.env, siteId, c.var.caller).agents.decide(agentId, name, body.reason, {
        caller: c.var.caller,
        idempotency: c.var.idempotency,
      }),
    )
  })
}
