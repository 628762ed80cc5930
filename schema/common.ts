import * as v from 'valibot'

/** A ULID: 26 Crockford base32 characters, time-sortable. Every entity id is one. */
export const Ulid = v.pipe(v.string(), v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'))
export type Ulid = v.InferOutput<typeof Ulid>

/** `{id}` in a path: every entity id is a ULID. */
export const IdParam = v.object({ id: Ulid })

/** The name of a secret in an agent's own store, as `{{ secrets.NAME }}` and connectors name it. */
export const SecretName = v.pipe(
  v.string(),
  v.regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'a secret name is letters, digits and _, not starting with a digit',
  ),
)

/** An RFC 3339 timestamp as produced by `Date.prototype.toISOString`. */
export const Timestamp = v.pipe(v.string(), v.isoTimestamp('must be an RFC 3339 timestamp'))

/** Label keys follow the Kubernetes style so that selectors read the same everywhere. */
export const LabelKey = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/, 'label keys are 1-63 of a-z 0-9 . _ / -'),
)
export const Labels = v.pipe(
  v.record(LabelKey, v.pipe(v.string(), v.maxLength(256))),
  v.maxEntries(64, 'at most 64 labels'),
)
export type Labels = v.InferOutput<typeof Labels>

/** An IANA time zone name the runtime knows, such as `Europe/Paris`. */
export const TimeZone = v.pipe(
  v.string(),
  v.check((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone })
      return true
    } catch {
      return false
    }
  }, 'must be an IANA time zone such as Europe/Paris'),
)

/** The one error shape every route answers with. */
export const ErrorBody = v.object({
  error: v.object({
    code: v.string(),
    message: v.string(),
    details: v.optional(v.unknown()),
  }),
})
export type ErrorBody = v.InferOutput<typeof ErrorBody>

/** `?limit=&cursor=` on every list. The cursor is opaque to callers. */
export const PageQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), '100'),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(200))),
})

/** Builds the `{ items, next_cursor }` envelope schema of a list. */
export const pageOf = <T extends v.GenericSchema>(item: T) =>
  v.object({ items: v.array(item), next_cursor: v.nullable(v.string()) })
