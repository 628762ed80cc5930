import * as v from 'valibot'
import { EntityKind } from './kinds'

export const CUSTOM_FIELD_TYPES = [
  'text',
  'integer',
  'boolean',
  'date',
  'url',
  'select',
  'multi_select',
] as const

const Url = v.pipe(v.string(), v.url())

/** A custom field's name, as it appears in an entity's `custom_fields`. */
export const CustomFieldName = v.pipe(
  v.string(),
  v.regex(/^[a-z][a-z0-9_]{0,49}$/, 'custom field names are 1-50 of a-z 0-9 _, starting with a letter'),
)

const Choices = v.pipe(
  v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(100))),
  v.minLength(1),
  v.maxLength(200),
)

/** How one kind's custom field is checked on every write of an entity of that kind. */
export const CustomFieldDefinition = v.pipe(
  v.strictObject({
    kind: EntityKind,
    name: CustomFieldName,
    type: v.picklist(CUSTOM_FIELD_TYPES),
    required: v.optional(v.boolean(), false),
    /** The allowed values of a `select` or `multi_select`. */
    choices: v.optional(Choices),
    description: v.optional(v.pipe(v.string(), v.maxLength(500)), ''),
  }),
  v.check(
    (field) => (field.type === 'select' || field.type === 'multi_select') === (field.choices !== undefined),
    'select and multi_select fields take choices; other types take none',
  ),
)
export type CustomFieldDefinition = v.InferOutput<typeof CustomFieldDefinition>

/** A custom field's value, as stored; its definition says which of these it may be. */
export const CustomFieldValue = v.union([
  v.pipe(v.string(), v.maxLength(2000)),
  v.number(),
  v.boolean(),
  v.pipe(v.array(v.pipe(v.string(), v.maxLength(100))), v.maxLength(200)),
])
export type CustomFieldValue = v.InferOutput<typeof CustomFieldValue>

export const CustomFieldValues = v.pipe(
  v.record(CustomFieldName, CustomFieldValue),
  v.maxEntries(100, 'at most 100 custom fields'),
)
export type CustomFieldValues = v.InferOutput<typeof CustomFieldValues>

/** Why one value does not fit its definition, or undefined when it does. */
export const customFieldProblem = (
  field: CustomFieldDefinition,
  value: CustomFieldValue,
): string | undefined => {
  switch (field.type) {
    case 'text':
      return typeof value === 'string' ? undefined : 'must be text'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : 'must be an integer'
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false'
    case 'date':
      return typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}$/.test(value) &&
        !Number.isNaN(Date.parse(value))
        ? undefined
        : 'must be a date (YYYY-MM-DD)'
    case 'url':
      return typeof value === 'string' && v.is(Url, value) ? undefined : 'must be a URL'
    case 'select':
      return typeof value === 'string' && field.choices?.includes(value)
        ? undefined
        : `must be one of ${field.choices?.join(', ')}`
    case 'multi_select':
      return Array.isArray(value) && value.every((item) => field.choices?.includes(item))
        ? undefined
        : `must be a list of ${field.choices?.join(', ')}`
  }
}
