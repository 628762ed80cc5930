import { and, desc, eq, lt, lte } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import { monotonicFactory } from 'ulid'
import type { SlackApp, SlackLink } from '../../schema/api/chatops'
import * as store from '../../schema/db/tenant-store'

const nextId = monotonicFactory()
export type SlackAppRow = typeof store.slackApps.$inferSelect
type LinkRow = typeof store.slackLinks.$inferSelect
export type RunWatchRow = typeof store.slackRunWatches.$inferSelect

/** Where Slack posts a tenant's slash commands, after the platform's address. */
export const commandPath = (tenantId: string) => `/v1/chatops/slack/${tenantId}/commands`

export const toSlackApp = (row: SlackAppRow, tenantId: string): SlackApp => ({
  team_id: row.teamId,
  default_site_id: row.defaultSiteId,
  command_path: commandPath(tenantId),
  updated_at: row.updatedAt.toISOString(),
  updated_by: row.updatedBy,
})

export const toSlackLink = (row: LinkRow): SlackLink => ({
  id: row.id,
  team_id: row.teamId,
  slack_user_id: row.slackUserId,
  user_id: row.userId,
  created_at: row.createdAt.toISOString(),
})

/** A tenant's Slack app, its link codes, its links and the runs whose outcome Slack awaits. */
export class SlackStore {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  app(): SlackAppRow | undefined {
    return this.db.select().from(store.slackApps).get()
  }

  /** Replaces the one app row. */
  putApp(row: SlackAppRow) {
    this.db.delete(store.slackApps).run()
    this.db.insert(store.slackApps).values(row).run()
  }

  removeApp(): SlackAppRow | undefined {
    return this.db.delete(store.slackApps).returning().get()
  }

  addCode(hash: string, userId: string, expiresAt: Date) {
    this.db.insert(store.slackLinkCodes).values({ hash, userId, expiresAt }).run()
  }

  /** Takes a code out whether it is still good or not, so it works once; answers its user when it was. */
  takeCode(hash: string, now: number): string | undefined {
    this.db
      .delete(store.slackLinkCodes)
      .where(lte(store.slackLinkCodes.expiresAt, new Date(now)))
      .run()
    return this.db.delete(store.slackLinkCodes).where(eq(store.slackLinkCodes.hash, hash)).returning().get()
      ?.userId
  }

  /** Binds a Slack user to a Sitewire user, replacing an earlier binding of the same Slack user. */
  link(teamId: string, slackUserId: string, userId: string, now: Date): LinkRow {
    this.db
      .delete(store.slackLinks)
      .where(and(eq(store.slackLinks.teamId, teamId), eq(store.slackLinks.slackUserId, slackUserId)))
      .run()
    const row: LinkRow = { id: nextId(now.getTime()), teamId, slackUserId, userId, createdAt: now }
    this.db.insert(store.slackLinks).values(row).run()
    return row
  }

  linkOf(teamId: string, slackUserId: string): LinkRow | undefined {
    return this.db
      .select()
      .from(store.slackLinks)
      .where(and(eq(store.slackLinks.teamId, teamId), eq(store.slackLinks.slackUserId, slackUserId)))
      .get()
  }

  getLink(id: string): LinkRow | undefined {
    return this.db.select().from(store.slackLinks).where(eq(store.slackLinks.id, id)).get()
  }

  /** Newest first, optionally of one user. */
  links(limit: number, before: string | undefined, userId: string | null): LinkRow[] {
    return this.db
      .select()
      .from(store.slackLinks)
      .where(
        and(
          before ? lt(store.slackLinks.id, before) : undefined,
          userId ? eq(store.slackLinks.userId, userId) : undefined,
        ),
      )
      .orderBy(desc(store.slackLinks.id))
      .limit(limit)
      .all()
  }

  unlink(id: string) {
    this.db.delete(store.slackLinks).where(eq(store.slackLinks.id, id)).run()
  }

  watch(row: RunWatchRow) {
    this.db.insert(store.slackRunWatches).values(row).onConflictDoNothing().run()
  }

  watches(): RunWatchRow[] {
    return this.db.select().from(store.slackRunWatches).all()
  }

  unwatch(runId: string) {
    this.db.delete(store.slackRunWatches).where(eq(store.slackRunWatches.runId, runId)).run()
  }
}
