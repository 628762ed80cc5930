import type { CreatedUser, SignedIn, User } from '../../schema/api/users'
import type { Principal } from '../access/principal'
import { randomToken, sha256Hex } from '../auth/api-keys'
import type { WriteContext } from '../auth/caller'
import {
  type CheckedAttempt,
  invalidCredentials,
  type PasswordOutcome,
  tooManyAttempts,
} from '../auth/password-attempts'
import { generatePassword, hashPassword, UNKNOWN_USER_HASH, verifyPassword } from '../auth/passwords'
import { sessionToken } from '../auth/session-cookie'
import { apiError, notFound, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import type { Change, Commands } from './command'
import type { GrantStore } from './grant-store'
import { userPrincipal } from './principals'
import type { SessionStore } from './session-store'
import { toUser, type UserStore } from './user-store'

/** A checked sign-in, as the tenant finishes it. */
export interface SignInToFinish extends CheckedAttempt {
  email: string
  address: string | null
  /** The password chosen at this sign-in, for a user whose password an admin reset. */
  newPassword?: string | undefined
}

/** A checked password change. */
export interface PasswordChange {
  userId: string
  /** The session asking; the user's other sessions end. */
  sessionId: string
  outcome: PasswordOutcome
  retryAfterMs: number
  newPassword: string
}

/** Sign-in, session authentication, sign-out and password changes, for one tenant's users. */
export class Sessions {
  constructor(
    private readonly tenantId: () => string,
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    private readonly grants: GrantStore,
    private readonly commands: Commands,
  ) {}

  /** Checks a user's password; an unknown email costs the same PBKDF2 work as a known one. */
  async checkPassword(email: string, password: string): Promise<Exclude<PasswordOutcome, 'locked'>> {
    const user = this.users.byEmail(email)
    const matches = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH)
    if (!user) return 'unknown_user'
    if (!matches) return 'wrong_password'
    return user.disabledAt ? 'disabled' : 'ok'
  }

  /**
   * Opens a session for a sign-in whose password was right and which no lock refused, and
   * audits every attempt, refused or not, with the email but never the password.
   */
  async finishSignIn(
    attempt: SignInToFinish,
    now: number,
  ): Promise<{ reply: Answer<SignedIn>; token: string | null }> {
    const secret = randomToken()
    const hash = await sha256Hex(secret)
    const newPasswordHash =
      attempt.outcome === 'ok' && attempt.newPassword ? await hashPassword(attempt.newPassword) : null
    const write = { caller: { actor: { type: 'anonymous' as const, id: null }, address: attempt.address } }
    const reply = this.commands.run<SignedIn>(write, 'auth.sign_in', 'user', () => {
      const user = this.users.byEmail(attempt.email)
      // The user may have been disabled since the password was checked.
      const outcome =
        attempt.outcome !== 'ok'
          ? attempt.outcome
          : !user
            ? 'unknown_user'
            : user.disabledAt
              ? 'disabled'
              : 'ok'
      if (outcome !== 'ok' || !user) {
        const error = outcome === 'locked' ? tooManyAttempts(attempt.retryAfterMs, now) : invalidCredentials()
        return {
          ...refusal(error),
          objectId: user?.id ?? null,
          details: { email: attempt.email, reason: outcome },
        }
      }
      if (user.passwordResetAt) {
        if (!newPasswordHash) {
          const error = apiError(
            403,
            'password_change_required',
            'an admin reset this password: sign in with it and a new_password of your own',
            [{ path: 'new_password', message: 'a new password is required' }],
          )
          return {
            ...refusal(error),
            objectId: user.id,
            details: { email: attempt.email, reason: 'password_change_required' },
          }
        }
        this.users.update(user.id, {
          passwordHash: newPasswordHash,
          passwordChangedAt: new Date(now),
          passwordResetAt: null,
        })
      }
      const session = this.sessions.open(user.id, hash, attempt.address, now)
      return {
        status: 200,
        body: { user: toUser(user), expires_at: session.expiresAt.toISOString() },
        objectId: user.id,
        details: { email: attempt.email, session_id: session.id },
        actor: { type: 'user', id: user.id },
      }
    })
    return { reply, token: reply.status === 200 ? sessionToken(this.tenantId(), secret) : null }
  }

  /** The principal behind a session cookie's hash, or null when the session is over or the user disabled. */
  authenticate(hash: string, now: number): Principal | null {
    const session = this.sessions.findLive(hash, now)
    const user = session ? this.users.get(session.userId) : undefined
    if (!session || !user || user.disabledAt) return null
    return userPrincipal(this.tenantId(), user.id, this.grants, session.id)
  }

  signOut(sessionId: string, write: WriteContext): Answer<null> {
    return this.commands.run(write, 'auth.sign_out', 'session', () => {
      this.sessions.revoke(sessionId, Date.now())
      return { status: 204, body: null, objectId: sessionId, details: null }
    })
  }

  /**
   * An admin sets a user's password (given, or generated and answered once); the user's
   * sessions end, and their next sign-in must choose a new password.
   */
  async resetPassword(userId: string, given: string | undefined, write: WriteContext, now: number) {
    const password = given ?? generatePassword()
    const passwordHash = await hashPassword(password)
    return this.commands.run(write, 'user.password_reset', 'user', (): Change<CreatedUser> => {
      const user = this.users.update(userId, {
        passwordHash,
        passwordChangedAt: new Date(now),
        passwordResetAt: new Date(now),
      })
      if (!user) throw notFound('user')
      const sessionsRevoked = this.sessions.revokeAllOf(user.id, now)
      return {
        status: 200,
        body: { ...toUser(user), generated_password: given === undefined ? password : null },
        objectId: user.id,
        details: { sessions_revoked: sessionsRevoked },
      }
    })
  }

  /** Sets a new password once the current one was checked; the user's other sessions end. */
  async changePassword(change: PasswordChange, write: WriteContext, now: number): Promise<Answer<User>> {
    const passwordHash = change.outcome === 'ok' ? await hashPassword(change.newPassword) : null
    return this.commands.run(write, 'auth.password_change', 'user', (): Change<User> => {
      if (change.outcome === 'locked') throw tooManyAttempts(change.retryAfterMs, now)
      if (!passwordHash)
        throw apiError(403, 'wrong_password', 'the current password is not right', [
          { path: 'current_password', message: 'not the current password' },
        ])
      const user = this.users.update(change.userId, { passwordHash, passwordChangedAt: new Date(now) })
      if (!user) throw notFound('user')
      const sessionsRevoked = this.sessions.revokeAllOf(user.id, now, change.sessionId)
      return {
        status: 200,
        body: toUser(user),
        objectId: user.id,
        details: { sessions_revoked: sessionsRevoked },
      }
    })
  }
}
