import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { Team } from '../../schema/api/teams'
import * as store from '../../schema/db/tenant-store'
import { updateRow } from '../lib/update-row'

const nextId = monotonicFactory()
type Row = typeof store.teams.$inferSelect

/** Teams and who is in them; grants to a team are the GrantStore's. */
export class TeamStore {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  insert(name: string, now: Date): Row {
    const row: Row = { id: nextId(now.getTime()), name, createdAt: now }
    this.db.insert(store.teams).values(row).run()
    return row
  }

  get(id: string): Row | undefined {
    return this.db.select().from(store.teams).where(eq(store.teams.id, id)).get()
  }

  byName(name: string): Row | undefined {
    return this.db.select().from(store.teams).where(eq(store.teams.name, name)).get()
  }

  /** Newest first. */
  list(limit: number, before: string | undefined): Row[] {
    return this.db
      .select()
      .from(store.teams)
      .where(before ? lt(store.teams.id, before) : undefined)
      .orderBy(desc(store.teams.id))
      .limit(limit)
      .all()
  }

  rename(id: string, name: string) {
    updateRow(this.db, store.teams, id, { name })
  }

  /** Deletes a team and its memberships. */
  delete(id: string) {
    this.db.delete(store.teamMembers).where(eq(store.teamMembers.teamId, id)).run()
    this.db.delete(store.teams).where(eq(store.teams.id, id)).run()
  }

  addMember(teamId: string, userId: string) {
    this.db.insert(store.teamMembers).values({ teamId, userId }).onConflictDoNothing().run()
  }

  /** Answers whether the user was a member. */
  removeMember(teamId: string, userId: string): boolean {
    return (
      this.db
        .delete(store.teamMembers)
        .where(and(eq(store.teamMembers.teamId, teamId), eq(store.teamMembers.userId, userId)))
        .returning()
        .all().length > 0
    )
  }

  memberIds(teamId: string): string[] {
    return this.db
      .select({ userId: store.teamMembers.userId })
      .from(store.teamMembers)
      .where(eq(store.teamMembers.teamId, teamId))
      .orderBy(asc(store.teamMembers.userId))
      .all()
      .map((row) => row.userId)
  }

  /** Teams as the API shows them, their members read in one query. */
  describe(rows: Row[]): Team[] {
    if (rows.length === 0) return []
    const members = this.db
      .select()
      .from(store.teamMembers)
      .where(
        inArray(
          store.teamMembers.teamId,
          rows.map((row) => row.id),
        ),
      )
      .orderBy(asc(store.teamMembers.userId))
      .all()
    return rows.map((row) =>
      toTeam(
        row,
        members.filter((member) => member.teamId === row.id).map((member) => member.userId),
      ),
    )
  }
}

export const toTeam = (row: Row, memberIds: string[]): Team => ({
  id: row.id,
  name: row.name,
  member_ids: memberIds,
  created_at: row.createdAt.toISOString(),
})
