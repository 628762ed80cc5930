import * as v from 'valibot'
import { Ulid } from '../common'

/** What a grant on one entity allows, weakest first: read it; change it; also deactivate, restore, grant and revoke. */
export const ENTITY_LEVELS = ['read', 'write', 'admin'] as const
export const EntityLevel = v.picklist(ENTITY_LEVELS)
export type EntityLevel = v.InferOutput<typeof EntityLevel>

export const EntityGrantSubject = v.strictObject({ type: v.picklist(['user', 'team']), id: Ulid })
export type EntityGrantSubject = v.InferOutput<typeof EntityGrantSubject>
