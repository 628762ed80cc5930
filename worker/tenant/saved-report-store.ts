import { and, desc, eq, inArray, isNotNull, lt, lte, min, or, type SQL, sql } from 'drizzle-orm'
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import type { SavedReport, SavedReportResult } from '../../schema/api/saved-reports'
import * as store from '../../schema/db/tenant-store'
import type { Principal } from '../access/principal'

export type SavedReportRow = typeof store.savedReports.$inferSelect
export type ResultRow = typeof store.savedReportResults.$inferSelect
const r = store.savedReports
const results = store.savedReportResults

export const toResult = (row: ResultRow): SavedReportResult => ({
  id: row.id,
  report_id: row.reportId,
  started_at: row.startedAt.toISOString(),
  finished_at: row.finishedAt.toISOString(),
  trigger: row.trigger,
  status: row.status,
  rows: row.rows,
  bytes: row.bytes,
  error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? '' } : null,
})

export const toSavedReport = (row: SavedReportRow, last: ResultRow | undefined): SavedReport => ({
  id: row.id,
  name: row.name,
  description: row.description,
  report: row.report,
  format: row.format,
  schedule: row.cron && row.timezone ? { cron: row.cron, timezone: row.timezone } : null,
  next_run_at: row.nextRunAt?.toISOString() ?? null,
  retention: row.retention,
  shared_with_team_ids: row.sharedTeamIds,
  owner: { type: row.ownerType, id: row.ownerId },
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
  last_result: last ? toResult(last) : null,
})

export const isTenantAdmin = (principal: Principal) =>
  principal.siteRestriction === null && principal.tenantRole === 'admin'

/** Reports a principal may see: its own, those shared with one of its teams, or all for a tenant admin. */
const visibleTo = (principal: Principal): SQL | undefined => {
  if (isTenantAdmin(principal)) return undefined
  const teams = [...principal.teams]
  return or(
    and(eq(r.ownerType, principal.actor.type), eq(r.ownerId, principal.actor.id)),
    teams.length > 0
      ? sql`exists (select 1 from json_each(${r.sharedTeamIds}) where value in ${teams})`
      : undefined,
  )
}

/** A tenant's saved reports and their results. */
export class SavedReportStore {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof store>) {}

  insert(row: SavedReportRow) {
    this.db.insert(r).values(row).run()
  }

  get(id: string): SavedReportRow | undefined {
    return this.db.select().from(r).where(eq(r.id, id)).get()
  }

  /** The report when `principal` may see it. */
  visible(id: string, principal: Principal): SavedReportRow | undefined {
    return this.db
      .select()
      .from(r)
      .where(and(eq(r.id, id), visibleTo(principal)))
      .get()
  }

  /** Newest first. */
  list(principal: Principal, limit: number, before: string | undefined): SavedReportRow[] {
    return this.db
      .select()
      .from(r)
      .where(and(visibleTo(principal), before ? lt(r.id, before) : undefined))
      .orderBy(desc(r.id))
      .limit(limit)
      .all()
  }

  update(id: string, changes: Partial<SavedReportRow>): SavedReportRow | undefined {
    return this.db.update(r).set(changes).where(eq(r.id, id)).returning().get()
  }

  /** Deletes a report and its results; answers the R2 keys of their files. */
  delete(id: string): string[] {
    const keys = this.db
      .delete(results)
      .where(eq(results.reportId, id))
      .returning({ key: results.objectKey })
      .all()
    this.db.delete(r).where(eq(r.id, id)).run()
    return keys.flatMap((row) => (row.key ? [row.key] : []))
  }

  nextRunAt(): number | undefined {
    return this.db
      .select({ at: min(r.nextRunAt) })
      .from(r)
      .get()
      ?.at?.getTime()
  }

  due(now: number): SavedReportRow[] {
    return this.db
      .select()
      .from(r)
      .where(and(isNotNull(r.nextRunAt), lte(r.nextRunAt, new Date(now))))
      .all()
  }

  addResult(row: ResultRow) {
    this.db.insert(results).values(row).run()
  }

  lastResult(reportId: string): ResultRow | undefined {
    return this.db
      .select()
      .from(results)
      .where(eq(results.reportId, reportId))
      .orderBy(desc(results.id))
      .limit(1)
      .get()
  }

  result(reportId: string, id: string): ResultRow | undefined {
    return this.db
      .select()
      .from(results)
      .where(and(eq(results.reportId, reportId), eq(results.id, id)))
      .get()
  }

  /** Newest first. */
  results(reportId: string, limit: number, before: string | undefined): ResultRow[] {
    return this.db
      .select()
      .from(results)
      .where(and(eq(results.reportId, reportId), before ? lt(results.id, before) : undefined))
      .orderBy(desc(results.id))
      .limit(limit)
      .all()
  }

  /** Deletes a report's results beyond the newest `keep`; answers the R2 keys of their files. */
  prune(reportId: string, keep: number): string[] {
    // At most a run's worth beyond retention (500), so reading every id is cheap.
    const old = this.db
      .select({ id: results.id, key: results.objectKey })
      .from(results)
      .where(eq(results.reportId, reportId))
      .orderBy(desc(results.id))
      .all()
      .slice(keep)
    if (old.length === 0) return []
    this.db
      .delete(results)
      .where(
        inArray(
          results.id,
          old.map((row) => row.id),
        ),
      )
      .run()
    return old.flatMap((row) => (row.key ? [row.key] : []))
  }
}
