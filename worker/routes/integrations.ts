import { type Context, Hono } from 'hono'
import * as v from 'valibot'
import {
  CreateIntegrationBody,
  DeliveryPage,
  HookRefusalList,
  Integration,
  IntegrationPage,
  IntegrationWithSecret,
  UpdateIntegrationBody,
} from '../../schema/api/alerts'
import { PageQuery, Ulid } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { SiteParam } from './sites'

const IntegrationParam = v.object({ siteId: Ulid, integrationId: Ulid })
const TAG = 'Alerts'

/** The platform's address as the caller reached it: where senders post. */
const originOf = (c: Context<AppEnv>) => new URL(c.req.url).origin

/** `/v1/sites/{siteId}/integrations`: the endpoints monitoring tools deliver alerts to. */
export const integrationRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/integrations',
    route({
      summary: 'Create an integration',
      tag: TAG,
      description:
        'An authenticated endpoint for one sender (`settings.kind`). The answer holds its secret, shown this once, ' +
        'its `hook_path`, and `setup`: the configuration to paste into the sender.',
      ok: { status: 201, schema: IntegrationWithSecret, description: 'The integration and its secret' },
      errors: { 409: 'The site is archived', 415: 'Body is not JSON' },
    }),
    valid('param', SiteParam),
    audited('integration.create', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', CreateIntegrationBody),
    async (c) =>
      send(c, await callerSite(c).alerts.createIntegration(c.req.valid('json'), originOf(c), writeOf(c))),
  )
  .get(
    '/:siteId/integrations',
    route({
      summary: "List a site's integrations",
      tag: TAG,
      ok: { status: 200, schema: IntegrationPage, description: 'Integrations, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', PageQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerSite(c).alerts.integrations(limit, cursor, originOf(c)))
    },
  )
  .get(
    '/:siteId/integrations/:integrationId',
    route({
      summary: 'Get an integration',
      tag: TAG,
      ok: { status: 200, schema: Integration, description: 'The integration' },
    }),
    valid('param', IntegrationParam),
    authorize('viewer', 'site'),
    async (c) =>
      send(c, await callerSite(c).alerts.integration(c.req.valid('param').integrationId, originOf(c))),
  )
  .patch(
    '/:siteId/integrations/:integrationId',
    route({
      summary: 'Change an integration',
      tag: TAG,
      description: 'Its name, or its settings (of the same kind).',
      ok: { status: 200, schema: Integration, description: 'The integration' },
      errors: {
        409: 'The site is archived',
        415: 'Body is not JSON',
        422: 'Settings of another kind (`kind_changed`)',
      },
    }),
    valid('param', IntegrationParam),
    audited('integration.update', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', UpdateIntegrationBody),
    async (c) =>
      send(
        c,
        await callerSite(c).alerts.updateIntegration(
          c.req.valid('param').integrationId,
          c.req.valid('json'),
          originOf(c),
          writeOf(c),
        ),
      ),
  )
  .post(
    '/:siteId/integrations/:integrationId/rotate-secret',
    route({
      summary: "Rotate an integration's secret",
      tag: TAG,
      description:
        'Makes a new secret, shown this once; the previous one stays valid until retired, so senders can move over ' +
        'one at a time. A third secret drops the oldest.',
      ok: { status: 200, schema: IntegrationWithSecret, description: 'The integration and its new secret' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', IntegrationParam),
    audited('integration.rotate_secret', 'site'),
    authorize('admin', 'site'),
    async (c) =>
      send(
        c,
        await callerSite(c).alerts.rotateSecret(c.req.valid('param').integrationId, originOf(c), writeOf(c)),
      ),
  )
  .post(
    '/:siteId/integrations/:integrationId/retire-secret',
    route({
      summary: 'Retire the previous secret',
      tag: TAG,
      description: 'After a rotation: only the newest secret is valid afterwards.',
      ok: { status: 200, schema: Integration, description: 'The integration' },
      errors: { 409: 'The site is archived, or there is a single secret (`nothing_to_retire`)' },
    }),
    valid('param', IntegrationParam),
    audited('integration.retire_secret', 'site'),
    authorize('admin', 'site'),
    async (c) =>
      send(
        c,
        await callerSite(c).alerts.retireSecret(c.req.valid('param').integrationId, originOf(c), writeOf(c)),
      ),
  )
  .delete(
    '/:siteId/integrations/:integrationId',
    route({
      summary: 'Delete an integration',
      tag: TAG,
      description: 'Its endpoint answers 404 from now on; its alerts and recorded deliveries stay.',
      ok: { status: 200, schema: Integration, description: 'The integration as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', IntegrationParam),
    audited('integration.delete', 'site'),
    authorize('admin', 'site'),
    async (c) =>
      send(
        c,
        await callerSite(c).alerts.deleteIntegration(
          c.req.valid('param').integrationId,
          originOf(c),
          writeOf(c),
        ),
      ),
  )
  .get(
    '/:siteId/integrations/:integrationId/refusals',
    route({
      summary: 'Deliveries refused for their credentials',
      tag: TAG,
      description:
        'Counted per source address and reason (`missing_credentials`, `bad_signature`, `stale_timestamp`…); bodies are not kept.',
      ok: { status: 200, schema: HookRefusalList, description: 'Refusals, latest first' },
    }),
    valid('param', IntegrationParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).alerts.refusals(c.req.valid('param').integrationId)),
  )
  .get(
    '/:siteId/integrations/:integrationId/deliveries',
    route({
      summary: 'Recorded deliveries',
      tag: TAG,
      description:
        'Each accepted delivery as it came (credentials masked), and what each of its alerts led to.',
      ok: { status: 200, schema: DeliveryPage, description: 'Deliveries, oldest first' },
    }),
    valid('param', IntegrationParam),
    authorize('viewer', 'site'),
    valid('query', PageQuery),
    async (c) => {
      const { integrationId } = c.req.valid('param')
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerSite(c).alerts.deliveries(integrationId, limit, cursor))
    },
  )
