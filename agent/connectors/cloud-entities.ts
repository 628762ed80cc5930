import type { ObservedEntity, SyncError } from '../../schema/inventory/connectors'

/** What reading one resource type of a cloud gave: entities, problems, and whether it read everything. */
export interface SyncResult {
  entities: ObservedEntity[]
  errors: SyncError[]
  /** Every region and page was read: what the result lacks is gone from the cloud. */
  complete: boolean
}

/** A cloud's `key=value` tag as an inventory tag (a slug), or nothing if it makes none. */
export const tagSlug = (key: string, value: string | undefined): string | undefined => {
  const slug = `${key}${value ? `-${value}` : ''}`
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 50)
    .replace(/-+$/, '')
  return slug.length > 0 ? slug : undefined
}

/** Tags as slugs, once each, at most the 64 an entity takes. */
export const tagSlugs = (tags: { key: string; value?: string }[]) =>
  [...new Set(tags.flatMap((tag) => tagSlug(tag.key, tag.value) ?? []))].slice(0, 64)

const isIpv4 = (address: string | undefined): address is string =>
  address !== undefined && /^\d{1,3}(\.\d{1,3}){3}$/.test(address)

/** Distinct IPv4 addresses, at most the 64 a server takes. */
export const ipv4s = (addresses: (string | undefined)[]) =>
  [...new Set(addresses.filter(isIpv4))].slice(0, 64)

/** Text a field takes: at most 200 characters. */
export const text = (value: string) => value.slice(0, 200)
