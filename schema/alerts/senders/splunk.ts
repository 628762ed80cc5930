import * as v from 'valibot'

/** A Splunk alert's webhook body: the first result row only, its values text (lists for multivalue fields). */
export const SplunkPayload = v.looseObject({
  result: v.record(v.string(), v.union([v.string(), v.array(v.string())])),
  /** The search job: one per run of the search. */
  sid: v.pipe(v.string(), v.minLength(1)),
  results_link: v.optional(v.string(), ''),
  /** Null for ad-hoc searches. */
  search_name: v.nullable(v.string()),
  owner: v.optional(v.string(), ''),
  app: v.optional(v.string(), ''),
})
export type SplunkPayload = v.InferOutput<typeof SplunkPayload>
