import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import * as v from 'valibot'
import {
  MaestroBundleBody,
  MaestroBundlePatch,
  MaestroConsumerBody,
  MaestroListQuery,
  MaestroResourceBody,
  MaestroResourcePatch,
} from '../../schema/api/maestro'
import type { Consumer } from '../../schema/api/resources'
import type { ResourceSpec, ResourceType } from '../../schema/resources/resource'
import { authenticate } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { ApiError, apiError } from '../http/errors'
import { requireJson, valid } from '../http/validation'
import type { Answer } from '../lib/idempotency'
import { errorMessage, log } from '../lib/log'
import { maestroError, sendMaestroError } from '../maestro/maestro-errors'
import { bundleConfigs, presentBundle, presentConsumer, presentResource } from '../maestro/maestro-presenters'
import { parseSearch } from '../maestro/maestro-search'
import { maestroSite, siteIdOf } from '../maestro/maestro-site'
import { siteFor } from '../objects'
import type { SpecPatch } from '../resources/resource-spec'

/** Largest body: a bundle of manifests fits. */
const MAX_MAESTRO_BODY_BYTES = 4 * 1024 * 1024
const IdParam = v.object({ id: v.pipe(v.string(), v.maxLength(64)) })
const RESOURCE_FIELDS = ['id', 'name', 'consumer_name'] as const
const CONSUMER_FIELDS = ['id', 'name'] as const

const site = (c: Context<AppEnv>) => siteFor(c.env, siteIdOf(c), c.var.caller)

/** An object's answer in maestro's shape: the item presented, or the refusal as maestro's error. */
const reply = <T>(c: Context<AppEnv>, answer: Answer<T>, present: (body: T) => unknown, status?: number) =>
  answer.refused
    ? sendMaestroError(c, answer.status, answer.body)
    : c.json(present(answer.body) as object, (status ?? answer.status) as ContentfulStatusCode)

/** A maestro list: `page` from 1, `size` the number of items on it, `total` how many match. */
const list = <T>(
  c: Context<AppEnv>,
  kind: string,
  query: v.InferOutput<typeof MaestroListQuery>,
  answer: Answer<{ total: number; items: T[] }>,
  present: (item: T) => unknown,
) =>
  reply(c, answer, ({ total, items }) => ({
    kind,
    page: query.page,
    size: items.length,
    total,
    items: items.map(present),
  }))

const paging = (query: v.InferOutput<typeof MaestroListQuery>) => ({
  offset: (query.page - 1) * query.size,
  limit: query.size,
})

/** A consumer's id from its name, or the 422 a body naming an unknown one gets. */
const consumerIdNamed = async (c: Context<AppEnv>, name: string): Promise<string> => {
  const found = await site(c).resources.consumerNamed(name)
  if (found.refused) throw apiError(422, 'unknown_consumer', `no consumer named ${name} in this site`)
  return (found.body as Consumer).id
}

const noContent = <T>(c: Context<AppEnv>, answer: Answer<T>) =>
  answer.refused ? sendMaestroError(c, answer.status, answer.body) : c.body(null, 204)

/** How maestro shows a resource of the kind: a single one as a resource, a bundle as a bundle. */
const presenterOf = (kind: ResourceType) => (item: unknown) =>
  kind === 'single' ? presentResource(item as never) : presentBundle(item as never)

/** Creates a resource for the consumer a maestro body names, and answers it presented. */
const createResource = async (c: Context<AppEnv>, consumerName: string, spec: ResourceSpec) => {
  const consumerId = await consumerIdNamed(c, consumerName)
  return reply(
    c,
    await site(c).resources.create(spec.type, consumerId, spec, writeOf(c)),
    presenterOf(spec.type),
  )
}

/** Changes a resource at `version`, and answers it presented. */
const updateResource = async (
  c: Context<AppEnv>,
  kind: ResourceType,
  id: string,
  version: number,
  patch: SpecPatch,
) => reply(c, await site(c).resources.update(kind, id, version, patch, writeOf(c)), presenterOf(kind))

const resourceRoutes = (kind: ResourceType, path: string, listKind: string) => {
  const present = presenterOf(kind)
  return new Hono<AppEnv>()
    .get(`/${path}`, maestroSite('viewer'), valid('query', MaestroListQuery), async (c) => {
      const query = c.req.valid('query')
      const search = parseSearch(query.search, RESOURCE_FIELDS)
      return list(
        c,
        listKind,
        query,
        await site(c).resources.find(kind, { ...paging(query), ...search }),
        present,
      )
    })
    .get(`/${path}/:id`, maestroSite('viewer'), valid('param', IdParam), async (c) =>
      reply(c, await site(c).resources.get(kind, c.req.valid('param').id), present),
    )
    .delete(
      `/${path}/:id`,
      maestroSite('operator'),
      audited(`maestro.${path}.delete`, 'site'),
      valid('param', IdParam),
      async (c) => noContent(c, await site(c).resources.delete(kind, c.req.valid('param').id, writeOf(c))),
    )
}

/**
 * `/api/maestro/v1`: stolostron/maestro's REST API over a site's consumers, resources and
 * bundles, so maestro's clients and examples work unchanged. Which site a call is about is
 * chosen by `maestroSite`; errors are maestro's `{"kind":"Error",…}`.
 */
export const maestroRoutes = new Hono<AppEnv>()
  .use(
    bodyLimit({
      maxSize: MAX_MAESTRO_BODY_BYTES,
      onError: () => {
        throw apiError(413, 'body_too_large', `request bodies are at most ${MAX_MAESTRO_BODY_BYTES} bytes`)
      },
    }),
    authenticate,
  )
  .get('/consumers', maestroSite('viewer'), valid('query', MaestroListQuery), async (c) => {
    const query = c.req.valid('query')
    const search = parseSearch(query.search, CONSUMER_FIELDS)
    return list(
      c,
      'ConsumerList',
      query,
      await site(c).resources.findConsumers({ ...paging(query), ...search }),
      presentConsumer,
    )
  })
  .post(
    '/consumers',
    maestroSite('operator'),
    audited('maestro.consumer.create', 'site'),
    requireJson,
    valid('json', MaestroConsumerBody),
    async (c) => {
      const { name, labels } = c.req.valid('json')
      const answer = await site(c).resources.createConsumer(
        { name, labels, agent_id: null, selector: null },
        writeOf(c),
      )
      return reply(c, answer, presentConsumer)
    },
  )
  .get('/consumers/:id', maestroSite('viewer'), valid('param', IdParam), async (c) =>
    reply(c, await site(c).resources.getConsumer(c.req.valid('param').id), presentConsumer),
  )
  .delete(
    '/consumers/:id',
    maestroSite('operator'),
    audited('maestro.consumer.delete', 'site'),
    valid('param', IdParam),
    async (c) => noContent(c, await site(c).resources.deleteConsumer(c.req.valid('param').id, writeOf(c))),
  )
  .post(
    '/resources',
    maestroSite('operator'),
    audited('maestro.resource.create', 'site'),
    requireJson,
    valid('json', MaestroResourceBody),
    async (c) => {
      const body = c.req.valid('json')
      return createResource(c, body.consumer_name, {
        type: 'single',
        name: body.name ?? '',
        manifests: [body.manifest],
        manifest_configs: [{ update_strategy: body.update_strategy.type, feedback_rules: [] }],
        delete_option: body.delete_option.propagationPolicy,
        labels: {},
      })
    },
  )
  .patch(
    '/resources/:id',
    maestroSite('operator'),
    audited('maestro.resource.update', 'site'),
    valid('param', IdParam),
    requireJson,
    valid('json', MaestroResourcePatch),
    async (c) => {
      const { version, manifest, update_strategy, delete_option } = c.req.valid('json')
      const patch = {
        ...(manifest ? { manifest } : {}),
        ...(update_strategy ? { update_strategy: update_strategy.type } : {}),
        ...(delete_option ? { delete_option: delete_option.propagationPolicy } : {}),
      }
      return updateResource(c, 'single', c.req.valid('param').id, version, patch)
    },
  )
  .post(
    '/resource-bundles',
    maestroSite('operator'),
    audited('maestro.resource_bundle.create', 'site'),
    requireJson,
    valid('json', MaestroBundleBody),
    async (c) => {
      const body = c.req.valid('json')
      return createResource(c, body.consumer_name, {
        type: 'bundle',
        name: body.name ?? '',
        manifests: body.manifests,
        manifest_configs: bundleConfigs(body.manifests, body.manifest_configs),
        delete_option: body.delete_option.propagationPolicy,
        labels: {},
      })
    },
  )
  .patch(
    '/resource-bundles/:id',
    maestroSite('operator'),
    audited('maestro.resource_bundle.update', 'site'),
    valid('param', IdParam),
    requireJson,
    valid('json', MaestroBundlePatch),
    async (c) => {
      const { version, manifests, manifest_configs, delete_option } = c.req.valid('json')
      const patch = {
        ...(manifests ? { manifests } : {}),
        ...(manifests && manifest_configs
          ? { manifest_configs: bundleConfigs(manifests, manifest_configs) }
          : {}),
        ...(delete_option ? { delete_option: delete_option.propagationPolicy } : {}),
      }
      return updateResource(c, 'bundle', c.req.valid('param').id, version, patch)
    },
  )
  .route('/', resourceRoutes('single', 'resources', 'ResourceList'))
  .route('/', resourceRoutes('bundle', 'resource-bundles', 'ResourceBundleList'))
  .all('*', (c) => c.json(maestroError(404, `no route ${c.req.method} ${c.req.path}`), 404))
  .onError((error, c) => {
    const known =
      error instanceof ApiError
        ? error
        : error instanceof HTTPException && error.status === 400
          ? apiError(400, 'malformed_json', error.message || 'body is not valid JSON')
          : undefined
    if (known) return sendMaestroError(c, known.status, known.toBody())
    log('error', 'unhandled error', {
      request_id: c.var.requestId,
      path: c.req.path,
      error: errorMessage(error),
    })
    return c.json(maestroError(500, 'something went wrong; the request id is in x-request-id'), 500)
  })
