import { Hono } from 'hono'
import { ChangePasswordBody, Me, SignedIn, SignInBody, User } from '../../schema/api/users'
import { sessionUserOf } from '../auth/authenticate'
import { checkPasswordAttempt, retryAfterSeconds } from '../auth/password-attempts'
import { sameOrigin } from '../auth/same-origin'
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookie'
import { signIn } from '../auth/sign-in'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'
import { tenantOf } from '../objects'

const LOCK_DESCRIPTION =
  'After 5 failures within 15 minutes, for the account or for the address, each further attempt waits for ' +
  'a lock that doubles from 30 seconds to 15 minutes: 429 with `Retry-After`.'

/** `POST /v1/auth/sign-in`: open to anyone, so it is mounted before authentication. */
export const signInRoutes = new Hono<AppEnv>().post(
  '/sign-in',
  route({
    summary: 'Sign in',
    tag: 'Access',
    anonymous: true,
    description:
      'Checks an email and password and opens a browser session: the answer sets the `sitewire_session` cookie ' +
      '(HttpOnly, Secure, SameSite=Strict), which later requests send instead of an API key. A session ends 12 hours ' +
      `after sign-in, or after 2 hours without a request. ${LOCK_DESCRIPTION}`,
    ok: { status: 200, schema: SignedIn, description: 'The user; the session is in the cookie' },
    errors: {
      401: 'The email or the password is not right',
      403: 'Sent from another origin, or an admin reset the password and no `new_password` was given',
      415: 'Body is not JSON',
      429: 'Too many failed attempts; retry after `Retry-After` seconds',
    },
  }),
  sameOrigin,
  requireJson,
  valid('json', SignInBody),
  async (c) => {
    const { email, password, new_password: newPassword } = c.req.valid('json')
    const result = await signIn(c.env, {
      email,
      password,
      newPassword,
      address: c.req.header('cf-connecting-ip') ?? null,
    })
    if (result.retryAfterMs > 0) c.header('Retry-After', String(retryAfterSeconds(result.retryAfterMs)))
    if (result.token) setSessionCookie(c, result.token)
    return send(c, result.reply)
  },
)

/** `/v1/auth`: the caller's own session and identity. */
export const authRoutes = new Hono<AppEnv>()
  .post(
    '/sign-out',
    route({
      summary: 'Sign out',
      tag: 'Access',
      description: 'Ends the session the request is made with and clears its cookie.',
      ok: { status: 204, description: 'Signed out' },
    }),
    async (c) => {
      const { sessionId } = sessionUserOf(c)
      const reply = await callerTenant(c).signOut(sessionId, writeOf(c))
      clearSessionCookie(c)
      return reply.status === 204 ? c.body(null, 204) : send(c, reply)
    },
  )
  .get(
    '/me',
    route({
      summary: 'Who am I',
      tag: 'Access',
      description:
        'The signed-in user or the API key making the request, its tenant, and its roles as granted now.',
      ok: { status: 200, schema: Me, description: 'The caller' },
    }),
    async (c) => {
      const principal = c.var.principal
      const found =
        principal.actor.type === 'user'
          ? await tenantOf(c.env, principal.tenantId).getUser(principal.actor.id)
          : null
      const user = found && !found.refused ? found.body : null
      return c.json({
        tenant_id: principal.tenantId,
        actor: principal.actor,
        user,
        role: principal.tenantRole,
        site_roles: { ...principal.siteRoles },
        scopes: [...principal.scopes],
        site_id: principal.siteRestriction,
      } satisfies Me)
    },
  )
  .post(
    '/password',
    route({
      summary: 'Change my password',
      tag: 'Access',
      description: `Needs the current password; the user's other sessions end. ${LOCK_DESCRIPTION}`,
      ok: { status: 200, schema: User, description: 'The user, with the new `password_changed_at`' },
      errors: {
        403: 'The current password is not right, or the request used an API key',
        415: 'Body is not JSON',
        429: 'Too many failed attempts; retry after `Retry-After` seconds',
      },
    }),
    requireJson,
    valid('json', ChangePasswordBody),
    async (c) => {
      const { userId, sessionId } = sessionUserOf(c)
      const body = c.req.valid('json')
      const tenant = callerTenant(c)
      const found = await tenant.getUser(userId)
      if (found.refused) return send(c, found)
      const user = found.body
      const now = Date.now()
      const checked = await checkPasswordAttempt(
        c.env,
        { email: user.email, password: body.current_password, address: c.var.caller.address },
        now,
      )
      if (checked.retryAfterMs > 0) c.header('Retry-After', String(retryAfterSeconds(checked.retryAfterMs)))
      const change = {
        userId,
        sessionId,
        // The directory names the tenant that holds the email; only ours may vouch for our user.
        outcome: checked.tenantId === c.var.caller.tenantId ? checked.outcome : 'wrong_password',
        retryAfterMs: checked.retryAfterMs,
        newPassword: body.new_password,
      } as const
      return send(c, await tenant.changePassword(change, writeOf(c), now))
    },
  )
