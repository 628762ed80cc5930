import { Hono } from 'hono'
import {
  CreateTeamBody,
  ListTeamsQuery,
  Team,
  TeamMemberParam,
  TeamPage,
  UpdateTeamBody,
} from '../../schema/api/teams'
import { IdParam } from '../../schema/common'
import { authorize } from '../auth/authenticate'
import { callerTenant } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { route, send } from '../http/reply'
import { requireJson, valid } from '../http/validation'

/** `/v1/teams`: groups of users; a grant to a team applies to each member on their next request. */
export const teamRoutes = new Hono<AppEnv>()
  .post(
    '/',
    route({
      summary: 'Create a team',
      tag: 'Access',
      ok: { status: 201, schema: Team, description: 'The team' },
      errors: { 409: 'A team has this name already', 415: 'Body is not JSON' },
    }),
    authorize('admin'),
    requireJson,
    valid('json', CreateTeamBody),
    async (c) => send(c, await callerTenant(c).createTeam(c.req.valid('json'), writeOf(c))),
  )
  .get(
    '/',
    route({
      summary: 'List teams',
      tag: 'Access',
      ok: { status: 200, schema: TeamPage, description: 'Teams with their members, newest first' },
    }),
    authorize('admin'),
    valid('query', ListTeamsQuery),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      return send(c, await callerTenant(c).listTeams(limit, cursor))
    },
  )
  .get(
    '/:id',
    route({
      summary: 'Get a team',
      tag: 'Access',
      ok: { status: 200, schema: Team, description: 'The team' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => send(c, await callerTenant(c).getTeam(c.req.valid('param').id)),
  )
  .patch(
    '/:id',
    route({
      summary: 'Rename a team',
      tag: 'Access',
      ok: { status: 200, schema: Team, description: 'The team as renamed' },
      errors: { 409: 'Another team has this name', 415: 'Body is not JSON' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    requireJson,
    valid('json', UpdateTeamBody),
    async (c) =>
      send(c, await callerTenant(c).updateTeam(c.req.valid('param').id, c.req.valid('json'), writeOf(c))),
  )
  .delete(
    '/:id',
    route({
      summary: 'Delete a team',
      tag: 'Access',
      description:
        'Its memberships and its grants go with it; members lose the roles it gave on their next request.',
      ok: { status: 200, schema: Team, description: 'The team as it was' },
    }),
    authorize('admin'),
    valid('param', IdParam),
    async (c) => send(c, await callerTenant(c).deleteTeam(c.req.valid('param').id, writeOf(c))),
  )
  .put(
    '/:id/members/:userId',
    route({
      summary: 'Add a member to a team',
      tag: 'Access',
      description: 'Adding a member again changes nothing.',
      ok: { status: 200, schema: Team, description: 'The team with its members' },
    }),
    authorize('admin'),
    valid('param', TeamMemberParam),
    async (c) => {
      const { id, userId } = c.req.valid('param')
      return send(c, await callerTenant(c).addTeamMember(id, userId, writeOf(c)))
    },
  )
  .delete(
    '/:id/members/:userId',
    route({
      summary: 'Remove a member from a team',
      tag: 'Access',
      ok: { status: 200, schema: Team, description: 'The team with its members' },
    }),
    authorize('admin'),
    valid('param', TeamMemberParam),
    async (c) => {
      const { id, userId } = c.req.valid('param')
      return send(c, await callerTenant(c).removeTeamMember(id, userId, writeOf(c)))
    },
  )
