import { Hono } from 'hono'
import {
  CreatedUser,
  CreateUserBody,
  ListUsersQuery,
  ResetPasswordBody,
  UpdateUserBody,
  User,
  UserPage,
} from '../../schema/api/users'
import { IdParam } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { principalCache } from '../auth/principal-cache'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'

/** `/v1/users`: the people who sign in to the tenant. No answer ever holds a password hash. */
export const userRoutes = new Hono<AppEnv>()
  .post(
    '/',
    route({
      summary: 'Create a user',
      tag: 'Access',
      description:
        'The email must be new to the whole platform. Without a password, one is generated and shown in ' +
        '`generated_password` this once. A `role` is granted on the whole tenant.',
      ok: { status: 201, schema: CreatedUser, description: 'The user' },
      errors: { 409: 'The email belongs to a user already', 415: 'Body is not JSON' },
    }),
    authorize('admin'),
    requireJson,
    valid('json', CreateUserBody),
    async (c) => send(c, await callerTenant(c).createUser(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/',
    route({
      summary: 'List users',
      tag: 'Access',
      ok: { status: 200, schema: UserPage, description: 'Users, newest first' },
    }),
    authorize('admin'),
    valid('query', ListUsersQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerTenant(c).listUsers(limit, cursor))
    },
  )
  .get(
    '/:id',
    route({
      summary: 'Get a user',
      tag: 'Access',
      ok: { status: 200, schema: User, description: 'The user' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => send(c, await callerTenant(c).getUser(c.req.valid('param').id)),
  )
  .post(
    '/:id/password-reset',
    route({
      summary: "Reset a user's password",
      tag: 'Access',
      description:
        'Sets the password to the one given, or to one generated and shown in `generated_password` this once. ' +
        "The user's sessions end, and their next sign-in must give a `new_password` of their own.",
      ok: { status: 200, schema: CreatedUser, description: 'The user' },
      errors: { 415: 'Body is not JSON' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    valid('json', ResetPasswordBody),
    async (c) =>
      send(
        c,
        await callerTenant(c).resetPassword(
          c.req.valid('param').id,
          c.req.valid('json').password,
          writeOf(c),
        ),
      ),
  )
  .patch(
    '/:id',
    route({
      summary: 'Change a user',
      tag: 'Access',
      description:
        'Renames, disables or enables a user. Disabling ends their sessions at once; they cannot sign in until enabled.',
      ok: { status: 200, schema: User, description: 'The user as changed' },
      errors: { 415: 'Body is not JSON', 422: 'An admin cannot disable their own account' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    requireJson,
    valid('json', UpdateUserBody),
    async (c) => {
      const reply = await callerTenant(c).updateUser(c.req.valid('param').id, c.req.valid('json'), writeOf(c))
      // A disabled user's keys stop working; the cache does not know whose keys it holds.
      if (c.req.valid('json').disabled !== undefined) principalCache.clear()
      return send(c, reply)
    },
  )
