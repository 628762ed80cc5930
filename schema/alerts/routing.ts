import * as v from 'valibot'
import { Ulid } from '../common'
import { IntegrationKind, ReceivedAlert } from './received-alert'

/**
 * How a tenant-wide integration finds each alert's site: the value of the alert's `label`
 * is looked up in `sites` (value → site id), else taken as a site's id, else as a site's name
 * (any case); an alert that names no site goes to `fallback_site_id`, or is left unrouted.
 */
export const IntegrationRouting = v.strictObject({
  label: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), 'site'),
  sites: v.optional(
    v.pipe(v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(256)), Ulid), v.maxEntries(1000)),
    {},
  ),
  fallback_site_id: v.optional(v.nullable(Ulid), null),
})
export type IntegrationRouting = v.InferOutput<typeof IntegrationRouting>

/**
 * The alerts of one delivery to a tenant-wide integration that belong to one site, as the
 * tenant hands them to that site: checked and read once, by the tenant. `delivery_id` is the
 * same on every site the delivery reached, and a site records it once however often it comes.
 */
export const RoutedDelivery = v.object({
  delivery_id: Ulid,
  integration_id: Ulid,
  integration_name: v.string(),
  kind: IntegrationKind,
  sender_delivery_id: v.nullable(v.string()),
  source_address: v.string(),
  path: v.string(),
  /** When the tenant received it (ms since the epoch): the alerts' clock. */
  received_at: v.number(),
  alerts: v.array(ReceivedAlert),
})
export type RoutedDelivery = v.InferOutput<typeof RoutedDelivery>
