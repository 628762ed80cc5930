import * as v from 'valibot'

/** A map of strings, as senders send labels and annotations; size limits are applied to the normalised alert. */
export const StringMap = v.record(v.string(), v.string())
