import { apiError } from '../http/errors'

const TERM = /^\s*([a-z_]+)\s*=\s*'((?:[^']|'')*)'\s*$/

/**
 * Reads maestro's `search`: `field = 'value'` terms joined by `and` (case-insensitive), each
 * field one of `fields`; quotes in a value are doubled, as in SQL. Anything else is a 400.
 */
export const parseSearch = <F extends string>(
  search: string | undefined,
  fields: readonly F[],
): Partial<Record<F, string>> => {
  if (search === undefined || search.trim() === '') return {}
  const found: Partial<Record<F, string>> = {}
  for (const term of search.split(/\s+and\s+/i)) {
    const match = TERM.exec(term)
    const field = match?.[1] as F | undefined
    if (!match || field === undefined || !fields.includes(field))
      throw apiError(
        400,
        'invalid_search',
        `search takes ${fields.map((f) => `${f} = '…'`).join(', ')} joined by and; not: ${term.trim()}`,
      )
    found[field] = (match[2] as string).replaceAll("''", "'")
  }
  return found
}
