import { Hono } from 'hono'
import * as v from 'valibot'
import {
  ListSlackLinksQuery,
  PutSlackAppBody,
  SlackApp,
  SlackLink,
  SlackLinkCode,
  SlackLinkPage,
  SlashCommandForm,
} from '../../schema/api/chatops'
import { IdParam, Ulid } from '../../schema/common'
import { atLeast, roleOn } from '../access/principal'
import { authorize } from '../auth/authenticate'
import { runSlashCommand } from '../chatops/slack-commands'
import { ephemeral, linkFirst } from '../chatops/slack-messages'
import { verifySlackRequest } from '../chatops/slack-signature'
import { parseSlashCommand } from '../chatops/slash-command'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { apiError, parseOr400 } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { tenantOf } from '../objects'

const TAG = 'Chat-ops'
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i

/** The form Slack posts, as text; a body that is not a form in UTF-8 is a 400. */
const readForm = (contentType: string | undefined, body: Uint8Array) => {
  if (!FORM_TYPE.test(contentType ?? ''))
    throw apiError(400, 'malformed_form', 'Slack posts slash commands as application/x-www-form-urlencoded')
  try {
    return Object.fromEntries(
      new URLSearchParams(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body)),
    )
  } catch {
    throw apiError(400, 'malformed_form', 'the form is not UTF-8')
  }
}

/**
 * `/v1/chatops/slack/{tenantId}/commands`: where Slack posts `/sitewire …`. No API key: the
 * request must carry Slack's signature made with the tenant's signing secret, checked on the
 * raw body before anything in it is read.
 */
export const slackCommandRoutes = new Hono<AppEnv>().post(
  '/slack/:tenantId/commands',
  route({
    summary: 'Take a Slack slash command',
    tag: TAG,
    anonymous: true,
    description:
      'Slack posts `/sitewire …` here, form-encoded and signed (`X-Slack-Signature`, v0 HMAC-SHA256 of ' +
      '`v0:{X-Slack-Request-Timestamp}:{body}` with the signing secret; the timestamp within 5 minutes). The answer ' +
      'is a Slack message (`response_type`, `text`, `blocks`). A Slack user acts as the Sitewire user they linked ' +
      'with `/sitewire link <code>`, with that user’s roles; run outcomes follow on `response_url`.',
    ok: { status: 200, description: 'A Slack message: `{response_type, text, blocks}`' },
    errors: {
      401: 'The signature is missing, wrong or stale (`details.reason`)',
      404: 'No Slack app is configured for this tenant, or not for the `team_id` posted',
    },
  }),
  valid('param', v.object({ tenantId: Ulid })),
  async (c) => {
    const { tenantId } = c.req.valid('param')
    const tenant = tenantOf(c.env, tenantId)
    const app = await tenant.slackApp()
    if (!app) throw apiError(404, 'not_found', 'no Slack app is configured here')
    const body = new Uint8Array(await c.req.arrayBuffer())
    const verdict = await verifySlackRequest(c.req.raw.headers, body, [app.signingSecret], Date.now())
    if (!verdict.ok)
      throw apiError(401, 'invalid_signature', 'the request is not signed by the Slack app', {
        reason: verdict.reason,
      })
    const form = parseOr400(SlashCommandForm, readForm(c.req.header('content-type'), body), 'form')
    if (form.team_id !== app.teamId)
      throw apiError(404, 'not_found', 'no Slack app of this team is configured here')
    const command = parseSlashCommand(form.text)
    if (command.kind === 'link') {
      const outcome = await tenant.redeemSlackLinkCode(form.team_id, form.user_id, command.code)
      return c.json(
        outcome.linked
          ? ephemeral('Linked: what you ask here is done as your Sitewire user, with that user’s roles.')
          : ephemeral('That code is unknown, used or expired; get a new one from Sitewire.'),
      )
    }
    const actor = await tenant.slackActor(form.team_id, form.user_id)
    if (!actor) return c.json(linkFirst())
    return c.json(
      await runSlashCommand(
        {
          env: c.env,
          tenantId,
          teamId: form.team_id,
          slackUserId: form.user_id,
          defaultSiteId: app.defaultSiteId,
          actor,
          responseUrl: form.response_url,
          origin: new URL(c.req.url).origin,
        },
        command,
      ),
    )
  },
)

/** `/v1/chatops/slack`: the tenant's Slack app, and the links between Slack users and Sitewire users. */
export const chatopsRoutes = new Hono<AppEnv>()
  .put(
    '/slack',
    route({
      summary: 'Configure the Slack app',
      tag: TAG,
      description:
        'Turns chat-ops on, or changes it: the workspace (`team_id`), the site commands act on unless they name ' +
        'one, and the app’s signing secret. The secret is write-only; a new one replaces the kept one at once ' +
        '(as Slack’s own regeneration does). Leave it out to keep it.',
      ok: { status: 200, schema: SlackApp, description: 'The Slack app, without its secret' },
      errors: { 415: 'Body is not JSON', 422: 'Unknown site, or no signing secret yet' },
    }),
    authorize('admin'),
    requireJson,
    valid('json', PutSlackAppBody),
    async (c) => send(c, await callerTenant(c).configureSlack(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/slack',
    route({
      summary: 'Get the Slack app',
      tag: TAG,
      ok: { status: 200, schema: SlackApp, description: 'The Slack app, without its secret' },
    }),
    authorize('admin'),
    async (c) => send(c, await callerTenant(c).getSlackApp()),
  )
  .delete(
    '/slack',
    route({
      summary: 'Turn chat-ops off',
      tag: TAG,
      description: 'Slack’s requests are refused from now on. Links stay, for when it is turned on again.',
      ok: { status: 204, description: 'Turned off' },
    }),
    authorize('admin'),
    async (c) => {
      const answer = await callerTenant(c).removeSlack(writeOf(c))
      return answer.status === 204 ? c.body(null, 204) : send(c, answer)
    },
  )
  .post(
    '/slack/link-codes',
    route({
      summary: 'Get a code to link a Slack user',
      tag: TAG,
      description:
        'For the calling user (signed in, or through an API key they made). Type `/sitewire link <code>` in Slack ' +
        'within 10 minutes; the code works once and is shown once.',
      ok: { status: 201, schema: SlackLinkCode, description: 'The code' },
      errors: { 403: 'An API key no user made' },
    }),
    async (c) => send(c, await callerTenant(c).issueSlackLinkCode(writeOf(c))),
  )
  .get(
    '/slack/links',
    route({
      summary: 'List Slack links',
      tag: TAG,
      description: 'Every link for a tenant admin; the caller’s own otherwise.',
      ok: { status: 200, schema: SlackLinkPage, description: 'Links, newest first' },
    }),
    valid('query', ListSlackLinksQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      const tenant = callerTenant(c)
      if (atLeast(roleOn(c.var.principal), 'admin'))
        return send(c, await tenant.listSlackLinks(limit, cursor, null))
      const userId = await tenant.slackUserOf(c.var.caller.actor)
      return userId
        ? send(c, await tenant.listSlackLinks(limit, cursor, userId))
        : c.json({ items: [], next_cursor: null })
    },
  )
  .delete(
    '/slack/links/:id',
    route({
      summary: 'Remove a Slack link',
      tag: TAG,
      description:
        'Any link for a tenant admin; the caller’s own otherwise. The Slack user must link again to act.',
      ok: { status: 200, schema: SlackLink, description: 'The link removed' },
    }),
    valid('param', IdParam),
    async (c) =>
      send(
        c,
        await callerTenant(c).unlinkSlack(
          c.req.valid('param').id,
          !atLeast(roleOn(c.var.principal), 'admin'),
          writeOf(c),
        ),
      ),
  )
