import type { SignedIn } from '../../schema/api/users'
import type { Env } from '../env'
import { refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { tenantOf } from '../objects'
import {
  checkPasswordAttempt,
  invalidCredentials,
  type PasswordAttempt,
  tooManyAttempts,
} from './password-attempts'

export interface SignInResult {
  reply: Answer<SignedIn>
  /** The session cookie's value, when a session was opened. */
  token: string | null
  /** How long a refused attempt must wait, in ms; 0 otherwise. */
  retryAfterMs: number
}

/**
 * Signs someone in by email and password (and a new password, when an admin reset theirs). The tenant that has the email opens the session
 * and audits the attempt; an email no tenant has gets the same refusal, with nobody to
 * audit it for. `now` is the throttle's and the session's clock.
 */
export const signIn = async (
  env: Env,
  attempt: PasswordAttempt & { newPassword?: string | undefined },
  now = Date.now(),
): Promise<SignInResult> => {
  const checked = await checkPasswordAttempt(env, attempt, now)
  if (checked.tenantId) {
    const { reply, token } = await tenantOf(env, checked.tenantId).finishSignIn(
      { ...checked, email: attempt.email, address: attempt.address, newPassword: attempt.newPassword },
      now,
    )
    return { reply, token, retryAfterMs: checked.retryAfterMs }
  }
  const error =
    checked.outcome === 'locked' ? tooManyAttempts(checked.retryAfterMs, now) : invalidCredentials()
  return { reply: refusal(error), token: null, retryAfterMs: checked.retryAfterMs }
}
