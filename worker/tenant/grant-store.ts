import { and, desc, eq, inArray, isNull, lt, or } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { CreateGrantBody, Grant, Role } from '../../schema/api/access'
import * as store from '../../schema/db/tenant-store'
import { strongest } from '../access/principal'

const nextId = monotonicFactory()
type Row = typeof store.grants.$inferSelect

export const toGrant = (row: Row): Grant => ({
  id: row.id,
  subject: { type: row.subjectType, id: row.subjectId },
  role: row.role,
  site_id: row.siteId,
  created_at: row.createdAt.toISOString(),
})

/** Roles given to users and teams, on the tenant or on one site. */
export class GrantStore {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  /** Grants a role; granting again on the same subject and site replaces the role. */
  grant(spec: CreateGrantBody, now: Date): Row {
    const existing = this.db
      .select()
      .from(store.grants)
      .where(
        and(
          eq(store.grants.subjectType, spec.subject.type),
          eq(store.grants.subjectId, spec.subject.id),
          spec.site_id === null ? isNull(store.grants.siteId) : eq(store.grants.siteId, spec.site_id),
        ),
      )
      .get()
    if (existing) {
      return this.db
        .update(store.grants)
        .set({ role: spec.role })
        .where(eq(store.grants.id, existing.id))
        .returning()
        .get() as Row
    }
    const row: Row = {
      id: nextId(),
      subjectType: spec.subject.type,
      subjectId: spec.subject.id,
      role: spec.role,
      siteId: spec.site_id,
      createdAt: now,
    }
    this.db.insert(store.grants).values(row).run()
    return row
  }

  revoke(id: string): Row | undefined {
    return this.db.delete(store.grants).where(eq(store.grants.id, id)).returning().get()
  }

  /** Revokes every grant to a user or a team; answers how many there were. */
  revokeAllOf(subjectType: Row['subjectType'], subjectId: string): number {
    return this.db
      .delete(store.grants)
      .where(and(eq(store.grants.subjectType, subjectType), eq(store.grants.subjectId, subjectId)))
      .returning({ id: store.grants.id })
      .all().length
  }

  /** Newest first, optionally of one subject or one site. */
  list(limit: number, before: string | undefined, filter: { subjectId?: string; siteId?: string }): Row[] {
    return this.db
      .select()
      .from(store.grants)
      .where(
        and(
          before ? lt(store.grants.id, before) : undefined,
          filter.subjectId ? eq(store.grants.subjectId, filter.subjectId) : undefined,
          filter.siteId ? eq(store.grants.siteId, filter.siteId) : undefined,
        ),
      )
      .orderBy(desc(store.grants.id))
      .limit(limit)
      .all()
  }

  /** A user's strongest role on the tenant and on each site, through their own grants and their teams', and those teams. */
  rolesOf(userId: string): { tenantRole: Role | null; siteRoles: Record<string, Role>; teams: string[] } {
    const teamIds = this.db
      .select({ id: store.teamMembers.teamId })
      .from(store.teamMembers)
      .where(eq(store.teamMembers.userId, userId))
      .all()
      .map((row) => row.id)
    const rows = this.db
      .select()
      .from(store.grants)
      .where(
        or(
          and(eq(store.grants.subjectType, 'user'), eq(store.grants.subjectId, userId)),
          teamIds.length > 0
            ? and(eq(store.grants.subjectType, 'team'), inArray(store.grants.subjectId, teamIds))
            : undefined,
        ),
      )
      .all()
    const siteRoles: Record<string, Role> = {}
    let tenantRole: Role | null = null
    for (const row of rows) {
      if (row.siteId === null) tenantRole = strongest([tenantRole, row.role])
      else siteRoles[row.siteId] = strongest([siteRoles[row.siteId], row.role]) ?? row.role
    }
    return { tenantRole, siteRoles, teams: teamIds }
  }
}
