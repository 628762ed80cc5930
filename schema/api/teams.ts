import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, Ulid } from '../common'

const TeamName = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(100))

export const CreateTeamBody = v.strictObject({ name: TeamName })
export type CreateTeamBody = v.InferOutput<typeof CreateTeamBody>

export const UpdateTeamBody = v.strictObject({ name: TeamName })
export type UpdateTeamBody = v.InferOutput<typeof UpdateTeamBody>

/** A team: grants to it apply to each of its members. */
export const Team = v.object({
  id: Ulid,
  name: v.string(),
  member_ids: v.array(Ulid),
  created_at: Timestamp,
})
export type Team = v.InferOutput<typeof Team>
export const TeamPage = pageOf(Team)

export const ListTeamsQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })

export const TeamMemberParam = v.object({ id: Ulid, userId: Ulid })
