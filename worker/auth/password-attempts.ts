import type { Env } from '../env'
import { apiError } from '../http/errors'
import { directoryOf, tenantOf } from '../objects'
import { UNKNOWN_USER_HASH, verifyPassword } from './passwords'

/** How checking a password ended. */
export type PasswordOutcome = 'ok' | 'wrong_password' | 'disabled' | 'unknown_user' | 'locked'

export interface PasswordAttempt {
  /** Normalised, as `Email` parses it. */
  email: string
  password: string
  /** The client's address, counted apart from the account; null when unknown. */
  address: string | null
}

export interface CheckedAttempt {
  /** The tenant that has the email; null when none has. */
  tenantId: string | null
  outcome: PasswordOutcome
  /** How long a locked attempt must wait, in ms; 0 otherwise. */
  retryAfterMs: number
}

/**
 * Checks a password for an email, throttled per account and per address. The directory
 * says which tenant has the email and whether a lock is on; that tenant checks the
 * password (for an email nobody has, the same work is done here on a dummy hash, so the
 * time taken doesn't tell); then the directory counts the outcome, refusing it if a lock
 * began meanwhile, so parallel guesses can't get past a lock.
 */
export const checkPasswordAttempt = async (
  env: Env,
  attempt: PasswordAttempt,
  now: number,
): Promise<CheckedAttempt> => {
  const keys = { account: attempt.email, address: attempt.address }
  const directory = directoryOf(env)
  const { tenantId, retryAfterMs } = await directory.signInGate(keys, now)
  if (retryAfterMs > 0) return { tenantId, outcome: 'locked', retryAfterMs }
  const outcome = tenantId
    ? await tenantOf(env, tenantId).checkPassword(attempt.email, attempt.password)
    : await verifyPassword(attempt.password, UNKNOWN_USER_HASH).then(() => 'unknown_user' as const)
  const wait = await directory.signInSettle(keys, outcome === 'ok', now)
  return wait > 0
    ? { tenantId, outcome: 'locked', retryAfterMs: wait }
    : { tenantId, outcome, retryAfterMs: 0 }
}

/** One answer for an unknown email, a wrong password and a disabled user, so none tells which. */
export const invalidCredentials = () =>
  apiError(401, 'invalid_credentials', 'the email or the password is not right')

export const retryAfterSeconds = (retryAfterMs: number) => Math.ceil(retryAfterMs / 1000)

export const tooManyAttempts = (retryAfterMs: number, now: number) => {
  const seconds = retryAfterSeconds(retryAfterMs)
  const at = new Date(now + seconds * 1000).toISOString()
  return apiError(
    429,
    'too_many_attempts',
    `too many failed sign-ins; try again in ${seconds} s (after ${at})`,
    { retry_after: seconds, retry_at: at },
  )
}
