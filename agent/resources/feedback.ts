import type { FeedbackRule, FeedbackValues } from '../../schema/resources/resource'

/** What the rules read from the observed object: each value, and the rules that found no scalar. */
export interface Feedback {
  values: FeedbackValues
  unsynced: string[]
}

/** Follows a JSONPath of names and indexes (`.status.pid`, `$.items[0].name`) through an object. */
const follow = (object: unknown, path: string): unknown => {
  const steps = path
    .replace(/^\$/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((step) => step !== undefined && step !== '')
  let at = object
  for (const step of steps) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<string, unknown>)[step]
  }
  return at
}

/** Each rule's value: a scalar, as ManifestWork feeds back; a missing field is simply not reported. */
export const feedbackOf = (observed: unknown, rules: readonly FeedbackRule[]): Feedback => {
  const values: FeedbackValues = {}
  const unsynced: string[] = []
  for (const rule of rules) {
    const value = follow(observed, rule.path)
    if (value === undefined) continue
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      values[rule.name] = value as FeedbackValues[string]
    else unsynced.push(rule.name)
  }
  return { values, unsynced }
}
