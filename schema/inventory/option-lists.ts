import * as v from 'valibot'

/**
 * Lists of values a site configures for its inventory; once a list has values, the fields it
 * governs only take those (an empty list leaves them free).
 */
export const OPTION_LISTS = ['environments', 'service_families', 'regions', 'zones'] as const
export const OptionListName = v.picklist(OPTION_LISTS)
export type OptionListName = v.InferOutput<typeof OptionListName>

export const OptionValues = v.pipe(
  v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100))),
  v.maxLength(500),
  v.check((values) => new Set(values).size === values.length, 'values must be unique'),
)

/** The attribute each list governs, in every kind that has it. */
export const OPTION_FIELDS: Record<OptionListName, string> = {
  environments: 'environment',
  service_families: 'family',
  regions: 'region',
  zones: 'zone',
}
