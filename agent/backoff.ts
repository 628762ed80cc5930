export interface BackoffOptions {
  baseMs?: number
  capMs?: number
  random?: () => number
}

/**
 * Exponential backoff with full jitter: the wait is anywhere between 0 and the exponential
 * bound, so agents cut off together by a platform restart don't all come back at once.
 */
export const backoffDelay = (
  attempt: number,
  { baseMs = 500, capMs = 60_000, random = Math.random }: BackoffOptions = {},
) => Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt))
