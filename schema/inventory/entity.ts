import * as v from 'valibot'
import { Ulid } from '../common'
import { CustomFieldValues } from './custom-fields'
import { type EntityKind, KIND_ATTRIBUTES } from './kinds'

export const EntityName = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(200))

/** Tags are slugs, as in NetBox. */
export const Tag = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, 'tags are 1-50 of a-z 0-9 _ -'))
export const Tags = v.pipe(
  v.array(Tag),
  v.maxLength(64, 'at most 64 tags'),
  v.check((tags) => new Set(tags).size === tags.length, 'tags must be unique'),
)

/** What a person says about an entity: the same for every kind but its `attributes`. */
const entityOf = <K extends EntityKind>(kind: K) =>
  v.strictObject({
    kind: v.literal(kind),
    name: EntityName,
    /** The team that owns it; duplicates of a server's hostname or IPs are looked for within one team. */
    team_id: v.optional(v.nullable(Ulid), null),
    attributes: KIND_ATTRIBUTES[kind],
    tags: v.optional(Tags, []),
    custom_fields: v.optional(CustomFieldValues, {}),
    /** When true, the site's viewers and operators reach it only through a grant on it. */
    restricted: v.optional(v.boolean(), false),
  })

/** An entity's definition, by kind. */
export const EntityDefinition = v.variant('kind', [
  entityOf('server'),
  entityOf('application'),
  entityOf('database'),
  entityOf('datacenter'),
  entityOf('load_balancer'),
  entityOf('system'),
  entityOf('client'),
  entityOf('service'),
])
export type EntityDefinition = v.InferOutput<typeof EntityDefinition>

/** An entity's state as its events leave it: the definition, whether it is active, and who touched it when. */
export interface EntityState {
  definition: EntityDefinition
  active: boolean
  created_at: string
  created_by: string
  updated_at: string
  updated_by: string
  version: number
}
