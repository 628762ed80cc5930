import { api, ok } from '../../api/client'
import type { Answer, Integration, Item, RequestBody, Site } from '../../api/types'
import { can } from '../../session/session'

export type CreatedIntegration = Answer<'/v1/sites/{siteId}/integrations', 'post'>
export type NewIntegration = RequestBody<'/v1/integrations'>
export type Delivery =
  | Item<'/v1/sites/{siteId}/integrations/{integrationId}/deliveries'>
  | Item<'/v1/integrations/{integrationId}/deliveries'>
type Refusals = Answer<'/v1/sites/{siteId}/integrations/{integrationId}/refusals'>

/**
 * Where integrations live, as their screens need it: a site's, or the tenant's that belong to
 * no site (whose alerts go to the sites their labels name). The screens are the same.
 */
export interface IntegrationPlace {
  tenantWide: boolean
  /** Whether the caller may create, rotate and delete here. */
  admin: boolean
  /** Console paths. */
  listHref: string
  href(integrationId: string): string
  /** The site of an alert a delivery fired: the site's own, or the one the tenant routed it to. */
  alertHref(alertId: string, siteId: string | null): string
  list(): Promise<{ items: Integration[] }>
  create(body: NewIntegration): Promise<CreatedIntegration>
  get(integrationId: string): Promise<Integration>
  rotate(integrationId: string): Promise<CreatedIntegration>
  retire(integrationId: string): Promise<Integration>
  remove(integrationId: string): Promise<Integration>
  /** Changes where a tenant-wide integration's alerts go; a site's has no routing. */
  reroute?(integrationId: string, routing: NonNullable<Integration['routing']>): Promise<Integration>
  /** Newest first. */
  deliveries(integrationId: string): Promise<Delivery[]>
  refusals(integrationId: string): Promise<Refusals>
}

const LIMIT = 1000

export const sitePlace = (site: Site): IntegrationPlace => {
  const at = (integrationId: string) => ({ params: { path: { siteId: site.id, integrationId } } })
  return {
    tenantWide: false,
    admin: can('admin', site.id) && site.status === 'active',
    listHref: `/sites/${site.id}/integrations`,
    href: (id) => `/sites/${site.id}/integrations/${id}`,
    alertHref: (alertId) => `/sites/${site.id}/alerts/${alertId}`,
    list: () =>
      ok(
        api.GET('/v1/sites/{siteId}/integrations', {
          params: { path: { siteId: site.id }, query: { limit: LIMIT } },
        }),
      ),
    create: ({ name, settings }) =>
      ok(
        api.POST('/v1/sites/{siteId}/integrations', {
          params: { path: { siteId: site.id } },
          body: { name, settings },
        }),
      ),
    get: (id) => ok(api.GET('/v1/sites/{siteId}/integrations/{integrationId}', at(id))),
    rotate: (id) => ok(api.POST('/v1/sites/{siteId}/integrations/{integrationId}/rotate-secret', at(id))),
    retire: (id) => ok(api.POST('/v1/sites/{siteId}/integrations/{integrationId}/retire-secret', at(id))),
    remove: (id) => ok(api.DELETE('/v1/sites/{siteId}/integrations/{integrationId}', at(id))),
    // A site's deliveries come oldest first; the newest matter most here.
    deliveries: async (id) =>
      (
        await ok(
          api.GET('/v1/sites/{siteId}/integrations/{integrationId}/deliveries', {
            params: { path: { siteId: site.id, integrationId: id }, query: { limit: LIMIT } },
          }),
        )
      ).items.reverse(),
    refusals: (id) => ok(api.GET('/v1/sites/{siteId}/integrations/{integrationId}/refusals', at(id))),
  }
}

export const tenantPlace = (): IntegrationPlace => {
  const at = (integrationId: string) => ({ params: { path: { integrationId } } })
  return {
    tenantWide: true,
    admin: can('admin'),
    listHref: '/integrations',
    href: (id) => `/integrations/${id}`,
    alertHref: (alertId, siteId) => `/sites/${siteId}/alerts/${alertId}`,
    list: () => ok(api.GET('/v1/integrations', { params: { query: { limit: LIMIT } } })),
    create: (body) => ok(api.POST('/v1/integrations', { body })),
    get: (id) => ok(api.GET('/v1/integrations/{integrationId}', at(id))),
    rotate: (id) => ok(api.POST('/v1/integrations/{integrationId}/rotate-secret', at(id))),
    retire: (id) => ok(api.POST('/v1/integrations/{integrationId}/retire-secret', at(id))),
    remove: (id) => ok(api.DELETE('/v1/integrations/{integrationId}', at(id))),
    reroute: (id, routing) =>
      ok(api.PATCH('/v1/integrations/{integrationId}', { ...at(id), body: { routing } })),
    deliveries: async (id) =>
      (
        await ok(
          api.GET('/v1/integrations/{integrationId}/deliveries', {
            params: { path: { integrationId: id }, query: { limit: LIMIT } },
          }),
        )
      ).items,
    refusals: (id) => ok(api.GET('/v1/integrations/{integrationId}/refusals', at(id))),
  }
}
