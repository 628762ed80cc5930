import { Hono } from 'hono'
import * as v from 'valibot'
import {
  CustomField,
  CustomFieldList,
  OptionLists,
  PutCustomFieldBody,
  PutOptionListBody,
} from '../../schema/api/inventory'
import { Ulid } from '../../schema/common'
import { CustomFieldDefinition, CustomFieldName } from '../../schema/inventory/custom-fields'
import { StalenessSettings } from '../../schema/inventory/discovery'
import { EntityKind } from '../../schema/inventory/kinds'
import { OptionListName } from '../../schema/inventory/option-lists'
import { authorize } from '../auth/authenticate'
import { audited } from '../http/audited'
import { type AppEnv, writeOf } from '../http/context'
import { parseOr400 } from '../http/errors'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { inventoryCaller, inventoryOf, INVENTORY_TAG as TAG, WRITE_ERRORS } from './inventory-route-support'
import { SiteParam } from './sites'

const FieldParam = v.object({ siteId: Ulid, kind: EntityKind, name: CustomFieldName })
const OptionParam = v.object({ siteId: Ulid, list: OptionListName })

/** `/v1/sites/{siteId}/inventory/…`: the site's custom fields, option lists and discovery settings. */
export const inventorySettingRoutes = new Hono<AppEnv>()
  .get(
    '/:siteId/inventory/custom-fields',
    route({
      summary: "A site's custom fields",
      tag: TAG,
      ok: { status: 200, schema: CustomFieldList, description: 'Definitions, by kind and name' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await inventoryOf(c).fields()),
  )
  .put(
    '/:siteId/inventory/custom-fields/:kind/:name',
    route({
      summary: 'Define a custom field',
      tag: TAG,
      description:
        'A field of one kind: text, integer, boolean, date, url, select or multi_select (with `choices`), ' +
        'optionally `required`; entities are checked against it on every write that names it, and required ' +
        'ones on every write.',
      ok: { status: 200, schema: CustomField, description: 'The definition' },
      errors: WRITE_ERRORS,
    }),
    valid('param', FieldParam),
    audited('inventory.custom_field.define', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', PutCustomFieldBody),
    async (c) => {
      const { kind, name } = c.req.valid('param')
      const field = parseOr400(CustomFieldDefinition, { ...c.req.valid('json'), kind, name }, 'body')
      return send(c, await inventoryOf(c).defineField(field, inventoryCaller(c), writeOf(c)))
    },
  )
  .delete(
    '/:siteId/inventory/custom-fields/:kind/:name',
    route({
      summary: 'Remove a custom field',
      tag: TAG,
      description: 'Values entities hold stay as they were written.',
      ok: { status: 200, schema: CustomField, description: 'The definition as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', FieldParam),
    audited('inventory.custom_field.remove', 'site'),
    authorize('admin', 'site'),
    async (c) => {
      const { kind, name } = c.req.valid('param')
      return send(c, await inventoryOf(c).removeField(kind, name, inventoryCaller(c), writeOf(c)))
    },
  )
  .get(
    '/:siteId/inventory/options',
    route({
      summary: "A site's option lists",
      tag: TAG,
      ok: { status: 200, schema: OptionLists, description: 'Every list, empty where not configured' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await inventoryOf(c).options()),
  )
  .put(
    '/:siteId/inventory/options/:list',
    route({
      summary: 'Set an option list',
      tag: TAG,
      description:
        'environments, service_families, regions or zones: once a list has values, the field it governs ' +
        '(environment, family, region, zone) takes only those on later writes; an empty list frees it.',
      ok: { status: 200, schema: OptionLists, description: 'Every list' },
      errors: WRITE_ERRORS,
    }),
    valid('param', OptionParam),
    audited('inventory.option_list.set', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', PutOptionListBody),
    async (c) =>
      send(
        c,
        await inventoryOf(c).setOptions(
          c.req.valid('param').list,
          c.req.valid('json').values,
          inventoryCaller(c),
          writeOf(c),
        ),
      ),
  )
  .get(
    '/:siteId/inventory/discovery-settings',
    route({
      summary: "A site's discovery settings",
      tag: TAG,
      description:
        'How many days an entity no discovery source has seen stays as it is before it is marked stale, ' +
        'and before it is deactivated (defaults 7 and 30).',
      ok: { status: 200, schema: StalenessSettings, description: 'The settings in force' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await inventoryOf(c).discoverySettings()),
  )
  .put(
    '/:siteId/inventory/discovery-settings',
    route({
      summary: "Set a site's discovery settings",
      tag: TAG,
      description: '`inactive_after_days` must be more than `stale_after_days`; both from 1 to 3650.',
      ok: { status: 200, schema: StalenessSettings, description: 'The settings in force' },
      errors: WRITE_ERRORS,
    }),
    valid('param', SiteParam),
    audited('inventory.discovery_settings.set', 'site'),
    authorize('admin', 'site'),
    requireJson,
    valid('json', StalenessSettings),
    async (c) =>
      send(c, await inventoryOf(c).setDiscoverySettings(c.req.valid('json'), inventoryCaller(c), writeOf(c))),
  )
