import type { CreateTeamBody, Team, UpdateTeamBody } from '../../schema/api/teams'
import type { WriteContext } from '../auth/caller'
import { apiError, notFound, refusal } from '../http/errors'
import type { Answer } from '../lib/idempotency'
import { byId, toPage } from '../lib/paging'
import type { Commands } from './command'
import type { GrantStore } from './grant-store'
import { type TeamStore, toTeam } from './team-store'
import type { UserStore } from './user-store'

const nameTaken = (name: string) => apiError(409, 'team_name_taken', `a team named ${name} exists already`)

/** A tenant's teams: grants to a team apply to its members on their next request. */
export class Teams {
  constructor(
    private readonly teams: TeamStore,
    private readonly users: UserStore,
    private readonly grants: GrantStore,
    private readonly commands: Commands,
  ) {}

  create(spec: CreateTeamBody, write: WriteContext): Answer<Team> {
    return this.commands.run(write, 'team.create', 'team', () => {
      if (this.teams.byName(spec.name)) throw nameTaken(spec.name)
      const row = this.teams.insert(spec.name, new Date())
      return { status: 201, body: this.describe(row.id), objectId: row.id, details: { name: spec.name } }
    })
  }

  list(limit: number, cursor: string | undefined): Answer<{ items: Team[]; next_cursor: string | null }> {
    const rows = this.teams.list(limit + 1, cursor)
    return { status: 200, body: toPage(rows, limit, (page) => this.teams.describe([...page]), byId) }
  }

  get(id: string): Answer<Team> {
    return this.teams.get(id) ? { status: 200, body: this.describe(id) } : refusal(notFound('team'))
  }

  rename(id: string, spec: UpdateTeamBody, write: WriteContext): Answer<Team> {
    return this.commands.run(write, 'team.update', 'team', () => {
      const existing = this.existing(id)
      const holder = this.teams.byName(spec.name)
      if (holder && holder.id !== id) throw nameTaken(spec.name)
      this.teams.rename(id, spec.name)
      return {
        status: 200,
        body: this.describe(id),
        objectId: id,
        details: { name: spec.name, was: existing.name },
      }
    })
  }

  /** Deletes a team with its memberships and its grants, so nobody keeps a role through it. */
  delete(id: string, write: WriteContext): Answer<Team> {
    return this.commands.run(write, 'team.delete', 'team', () => {
      const team = this.describe(id)
      const grantsRevoked = this.grants.revokeAllOf('team', id)
      this.teams.delete(id)
      return {
        status: 200,
        body: team,
        objectId: id,
        details: { name: team.name, member_ids: team.member_ids, grants_revoked: grantsRevoked },
      }
    })
  }

  /** Adds a member; adding one again changes nothing. */
  addMember(id: string, userId: string, write: WriteContext): Answer<Team> {
    return this.commands.run(write, 'team.member_add', 'team', () => {
      this.existing(id)
      if (!this.users.get(userId)) throw notFound('user')
      this.teams.addMember(id, userId)
      return { status: 200, body: this.describe(id), objectId: id, details: { user_id: userId } }
    })
  }

  removeMember(id: string, userId: string, write: WriteContext): Answer<Team> {
    return this.commands.run(write, 'team.member_remove', 'team', () => {
      this.existing(id)
      if (!this.teams.removeMember(id, userId))
        throw apiError(404, 'not_found', 'that user is not a member of this team')
      return { status: 200, body: this.describe(id), objectId: id, details: { user_id: userId } }
    })
  }

  private existing(id: string) {
    const team = this.teams.get(id)
    if (!team) throw notFound('team')
    return team
  }

  private describe(id: string): Team {
    return toTeam(this.existing(id), this.teams.memberIds(id))
  }
}
