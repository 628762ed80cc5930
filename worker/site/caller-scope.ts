import type { Answer, Reply } from '../lib/idempotency'

/**
 * One caller's view of a site, decided once per request: every call made through it runs in one
 * turn of the object and is answered, or refused with the documented error (404 when the caller
 * may not see the site).
 */
export interface CallerScope {
  answer<T>(run: () => Reply<T>): Answer<T>
  answerAsync<T>(run: () => Promise<Reply<T>>): Promise<Answer<T>>
}
