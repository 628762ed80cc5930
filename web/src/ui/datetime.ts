/** A local `datetime-local` value as the RFC 3339 instant the API takes. */
export const instant = (local: string) => (local ? new Date(local).toISOString() : undefined)

/** An instant as a `datetime-local` value, in the browser's time zone, to the minute. */
export const localInput = (at: Date) =>
  new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
