import type { FieldPath } from '../../schema/inventory/discovery'
import type { EntityDefinition } from '../../schema/inventory/entity'
import { diffValues } from './entity-history'

/** Whether two values hold the same leaves. */
export const sameValue = (a: unknown, b: unknown) => diffValues(a, b).length === 0

const TOP_FIELDS = ['name', 'team_id', 'tags', 'restricted'] as const

const keyed = (prefix: string, before: Record<string, unknown>, after: Record<string, unknown>) =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((key) => !sameValue(before[key], after[key]))
    .map((key) => `${prefix}.${key}`)

/**
 * The fields a write changed, as provenance names them (`name`, `attributes.hostname`,
 * `custom_fields.owner`…); for a new entity, every field it has.
 */
export const changedFields = (before: EntityDefinition | undefined, after: EntityDefinition): FieldPath[] => {
  const empty: Record<string, unknown> = {}
  return [
    ...TOP_FIELDS.filter((field) => !before || !sameValue(before[field], after[field])),
    ...keyed(
      'attributes',
      (before?.attributes as Record<string, unknown>) ?? empty,
      after.attributes as Record<string, unknown>,
    ),
    ...keyed('custom_fields', before?.custom_fields ?? empty, after.custom_fields),
  ]
}

/** Whether a field holds nothing a person could have meant: absent, blank, or an empty list or object. */
export const isEmptyValue = (value: unknown) =>
  value === undefined ||
  value === null ||
  value === '' ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && value !== null && Object.values(value).every((inner) => inner === undefined))
