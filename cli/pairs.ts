import { CliError, EXIT } from './errors'

/** Commander collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []) => [...previous, value]

/** `k=v` strings as a record; the value may itself hold `=`. */
export const keyValues = (pairs: readonly string[] = [], what = 'value'): Record<string, string> => {
  const record: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at < 1) throw new CliError(`${what} "${pair}" is not key=value`, EXIT.usage)
    record[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return record
}

/** A `10` or `25%` as the API's count-or-percent. */
export const countOrPercent = (text: string): number | string => (/^\d+$/.test(text) ? Number(text) : text)
