import * as v from 'valibot'

/**
 * Who discovers: an agent from its own facts (`agent:<agent id>`), or a cloud connector
 * (`connector:<connector id>`). Its events name it as their actor, `discovery:<source>`.
 */
export const DiscoverySource = v.pipe(v.string(), v.regex(/^(agent|connector):[0-9A-HJKMNP-TV-Z]{26}$/))
export type DiscoverySource = v.InferOutput<typeof DiscoverySource>

export const DISCOVERY_ACTOR_PREFIX = 'discovery:'
export const discoveryActor = (source: DiscoverySource) => `${DISCOVERY_ACTOR_PREFIX}${source}`
/** Whether an event's actor is a discovery source rather than a person. */
export const isDiscoveryActor = (actor: string) => actor.startsWith(DISCOVERY_ACTOR_PREFIX)

/**
 * The key a source matches an entity by, e.g. `server/agent/<agent id>`,
 * `database/postgresql/<server entity id>/5432`, `service/ssh`.
 */
export const SightingKey = v.pipe(v.string(), v.minLength(1), v.maxLength(400))

/** A field of an entity as provenance names it: `name`, `tags`, `attributes.hostname`… */
export type FieldPath = string

/** Who last wrote each field of an entity: a person's actor label, or `discovery:<source>`. */
export type FieldSources = Record<FieldPath, string>

const Days = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650))

/** How many days an entity no source sees stays as it is before it is stale, and before it is inactive. */
export const StalenessSettings = v.pipe(
  v.strictObject({ stale_after_days: Days, inactive_after_days: Days }),
  v.forward(
    v.check(
      (settings) => settings.inactive_after_days > settings.stale_after_days,
      'inactive_after_days must be more than stale_after_days',
    ),
    ['inactive_after_days'],
  ),
)
export type StalenessSettings = v.InferOutput<typeof StalenessSettings>
export const DEFAULT_STALENESS: StalenessSettings = { stale_after_days: 7, inactive_after_days: 30 }
