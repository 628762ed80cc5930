import { desc, eq, lt } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import type { User } from '../../schema/api/users'
import * as store from '../../schema/db/tenant-store'

export type UserRow = typeof store.users.$inferSelect

/** A user as the API shows them: the password hash stays here. */
export const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  status: row.disabledAt ? 'disabled' : 'active',
  created_at: row.createdAt.toISOString(),
  password_changed_at: row.passwordChangedAt.toISOString(),
  disabled_at: row.disabledAt?.toISOString() ?? null,
})

/** A tenant's users and their password hashes. */
export class UserStore {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  insert(row: UserRow) {
    this.db.insert(store.users).values(row).run()
  }

  get(id: string): UserRow | undefined {
    return this.db.select().from(store.users).where(eq(store.users.id, id)).get()
  }

  byEmail(email: string): UserRow | undefined {
    return this.db.select().from(store.users).where(eq(store.users.email, email)).get()
  }

  /** Newest first. */
  list(limit: number, before: string | undefined): UserRow[] {
    return this.db
      .select()
      .from(store.users)
      .where(before ? lt(store.users.id, before) : undefined)
      .orderBy(desc(store.users.id))
      .limit(limit)
      .all()
  }

  update(
    id: string,
    changes: Partial<
      Pick<UserRow, 'name' | 'disabledAt' | 'passwordHash' | 'passwordChangedAt' | 'passwordResetAt'>
    >,
  ): UserRow | undefined {
    return this.db.update(store.users).set(changes).where(eq(store.users.id, id)).returning().get()
  }
}
