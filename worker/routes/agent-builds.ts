import { type Context, Hono } from 'hono'
import * as v from 'valibot'
import {
  AgentBuild,
  AgentBuildPage,
  ListAgentBuildsQuery,
  MAX_AGENT_BUILD_BYTES,
  PutSigningKeyBody,
  SigningKey,
  UploadAgentBuildQuery,
} from '../../schema/api/agent-builds'
import { Ulid } from '../../schema/common'
import { AgentBuildStore } from '../agent-builds/build-store'
import { authorize } from '../auth/authenticate'
import { actorOf } from '../auth/caller'
import { audited } from '../http/audited'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'

const TAG = 'Agent upgrades'
const BuildParam = v.object({ buildId: Ulid })

const builds = (c: Context<AppEnv>) => new AgentBuildStore(c.env.ARCHIVES, c.var.caller.tenantId)

/** `/v1/agent-signing-key`: the public key agents check builds with. */
export const signingKeyRoutes = new Hono<AppEnv>()
  .put(
    '/',
    route({
      summary: 'Set the agent build-signing key',
      tag: TAG,
      description:
        'The public half of an Ed25519 key pair the tenant keeps (`sitewire agent-builds keygen`); builds are ' +
        'signed offline with the private half. Agents get the key when they connect and keep the first one they ' +
        'see; a new key replaces the current one only with `endorsement`, the new key signed by the current one ' +
        '(`sitewire agent-builds rotate-key`), which agents check too.',
      ok: { status: 200, schema: SigningKey, description: 'The key (201 when it is the first)' },
      errors: {
        415: 'Body is not JSON',
        422: 'A different key without the current key’s endorsement (`endorsement_required`, `invalid_endorsement`)',
      },
    }),
    audited('agent_signing_key.set', 'tenant'),
    authorize('admin'),
    requireJson,
    valid('json', PutSigningKeyBody),
    async (c) => send(c, await callerTenant(c).setAgentSigningKey(c.req.valid('json'))),
  )
  .get(
    '/',
    route({
      summary: 'Get the agent build-signing key',
      tag: TAG,
      ok: { status: 200, schema: SigningKey, description: 'The key' },
    }),
    authorize('viewer'),
    async (c) => {
      const key = await callerTenant(c).agentSigningKey()
      if (!key) throw apiError(404, 'not_found', 'no signing key is set')
      return c.json(key)
    },
  )

/** The length an upload announces, checked before a byte is read. */
const announcedBuildLength = (header: string | undefined): number => {
  if (header === undefined)
    throw apiError(411, 'length_required', 'send the build with a Content-Length header')
  if (!/^\d{1,15}$/.test(header))
    throw apiError(400, 'invalid_content_length', 'Content-Length is not a number')
  const bytes = Number(header)
  if (bytes > MAX_AGENT_BUILD_BYTES)
    throw apiError(
      413,
      'too_large',
      `agent builds are at most ${MAX_AGENT_BUILD_BYTES} bytes; this one has ${bytes}`,
    )
  return bytes
}

/** `/v1/agent-builds`: the tenant's agent builds, which rollouts send to agents. */
export const agentBuildRoutes = new Hono<AppEnv>()
  .post(
    '/',
    route({
      summary: 'Upload an agent build',
      tag: TAG,
      description:
        'The body is the bundled agent (`dist/agent/sitewire-agent.mjs`) with `Content-Length`; `signature` is ' +
        'what `sitewire agent-builds sign` made of it. The build is stored with its SHA-256 and whether its ' +
        'signature verifies with the tenant’s key (`signature_status`): agents run only a build whose signature ' +
        'verifies with the key they trust.',
      ok: { status: 201, schema: AgentBuild, description: 'The build' },
      errors: {
        411: 'No `Content-Length` (`length_required`)',
        413: `More than ${MAX_AGENT_BUILD_BYTES} bytes (\`too_large\`)`,
        422: 'An empty build, or a signature while the tenant has no signing key',
      },
    }),
    audited('agent_build.upload', 'tenant'),
    authorize('admin'),
    valid('query', UploadAgentBuildQuery),
    async (c) => {
      announcedBuildLength(c.req.header('content-length'))
      const key = await callerTenant(c).agentSigningKey()
      const content = await c.req.arrayBuffer()
      const build = await builds(c).upload(
        c.req.valid('query'),
        content,
        key?.public_key ?? null,
        actorOf(writeOf(c)),
        Date.now(),
      )
      return c.json(build, 201)
    },
  )
  .get(
    '/',
    route({
      summary: 'List agent builds',
      tag: TAG,
      ok: { status: 200, schema: AgentBuildPage, description: 'Builds, oldest first' },
    }),
    authorize('viewer'),
    valid('query', ListAgentBuildsQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return c.json(await builds(c).list(limit, cursor))
    },
  )
  .get(
    '/:buildId',
    route({
      summary: 'Get an agent build',
      tag: TAG,
      ok: { status: 200, schema: AgentBuild, description: 'The build' },
    }),
    authorize('viewer'),
    valid('param', BuildParam),
    async (c) => c.json(await builds(c).get(c.req.valid('param').buildId)),
  )
  .get(
    '/:buildId/content',
    route({
      summary: 'Download an agent build',
      tag: TAG,
      description: 'The bytes as uploaded; the `ETag` is their SHA-256.',
      ok: { status: 200, description: 'text/javascript' },
    }),
    authorize('viewer'),
    valid('param', BuildParam),
    async (c) => {
      const { build, body } = await builds(c).content(c.req.valid('param').buildId)
      return new Response(body.body, {
        headers: {
          'content-type': 'text/javascript',
          'content-length': String(build.bytes),
          etag: `"${build.sha256}"`,
        },
      })
    },
  )
  .delete(
    '/:buildId',
    route({
      summary: 'Delete an agent build',
      tag: TAG,
      description:
        'Agents already upgraded keep running it; rollouts of it that have not finished fail their next batch.',
      ok: { status: 200, schema: AgentBuild, description: 'The build as it was' },
    }),
    audited('agent_build.delete', 'tenant'),
    authorize('admin'),
    valid('param', BuildParam),
    async (c) => c.json(await builds(c).delete(c.req.valid('param').buildId)),
  )
