import { and, eq, isNull, ne } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import * as store from '../../schema/db/tenant-store'
import { updateRow } from '../lib/update-row'

/** A session ends 12 h after sign-in however busy: a working day, then sign in again. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60_000
/** …and after 2 h without a request: a browser left open doesn't stay signed in. */
export const SESSION_IDLE_MS = 2 * 60 * 60_000
/** `last_seen_at` is written at most this often, so requests don't each cost a write. */
const LAST_SEEN_RESOLUTION_MS = 60_000

const nextId = monotonicFactory()
export type SessionRow = typeof store.sessions.$inferSelect

/** Browser sessions: only the SHA-256 of each cookie's secret is kept. */
export class SessionStore {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  open(userId: string, hash: string, address: string | null, now: number): SessionRow {
    const row: SessionRow = {
      id: nextId(now),
      userId,
      hash,
      createdAt: new Date(now),
      expiresAt: new Date(now + SESSION_LIFETIME_MS),
      lastSeenAt: new Date(now),
      revokedAt: null,
      address,
    }
    this.db.insert(store.sessions).values(row).run()
    return row
  }

  /** The session with this hash unless it was revoked, has expired or sat idle too long; marks it seen. */
  findLive(hash: string, now: number): SessionRow | undefined {
    const session = this.db.select().from(store.sessions).where(eq(store.sessions.hash, hash)).get()
    if (
      !session ||
      session.revokedAt ||
      session.expiresAt.getTime() <= now ||
      session.lastSeenAt.getTime() + SESSION_IDLE_MS <= now
    )
      return undefined
    if (now - session.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
      updateRow(this.db, store.sessions, session.id, { lastSeenAt: new Date(now) })
    }
    return session
  }

  get(id: string): SessionRow | undefined {
    return this.db.select().from(store.sessions).where(eq(store.sessions.id, id)).get()
  }

  revoke(id: string, now: number) {
    this.db
      .update(store.sessions)
      .set({ revokedAt: new Date(now) })
      .where(and(eq(store.sessions.id, id), isNull(store.sessions.revokedAt)))
      .run()
  }

  /** Revokes every live session of a user but `keep`; answers how many ended. */
  revokeAllOf(userId: string, now: number, keep?: string): number {
    return this.db
      .update(store.sessions)
      .set({ revokedAt: new Date(now) })
      .where(
        and(
          eq(store.sessions.userId, userId),
          isNull(store.sessions.revokedAt),
          keep ? ne(store.sessions.id, keep) : undefined,
        ),
      )
      .returning({ id: store.sessions.id })
      .all().length
  }
}
