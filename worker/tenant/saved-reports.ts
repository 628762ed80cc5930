import { monotonicFactory } from 'ulid'
import * as v from 'valibot'
import { PivotQuery } from '../../schema/api/inventory-reports'
import type {
  CreateSavedReportBody,
  SavedReport,
  SavedReportQuery,
  SavedReportResult,
  SavedReportSchedule,
  UpdateSavedReportBody,
} from '../../schema/api/saved-reports'
import type { Principal } from '../access/principal'
import type { WriteContext } from '../auth/caller'
import type { Env } from '../env'
import { ApiError, apiError, notFound, refusal } from '../http/errors'
import { pivotPlan } from '../inventory/pivot-report'
import type { Answer, IdempotencyStore, Reply } from '../lib/idempotency'
import type { Page } from '../lib/paging'
import { toPage } from '../lib/paging'
import type { AuditTrail } from './audit-trail'
import type { Commands } from './command'
import { nextFire, type SavedReportRuns } from './saved-report-runs'
import {
  isTenantAdmin,
  type SavedReportRow,
  type SavedReportStore,
  toResult,
  toSavedReport,
} from './saved-report-store'
import type { TeamStore } from './team-store'

const nextId = monotonicFactory()

/** Where a stored result's file is, for the route to stream it from R2. */
export interface ResultFile {
  key: string
  content_type: string
  filename: string
}

const nextRunOf = (schedule: SavedReportSchedule | null, now: number) =>
  schedule ? nextFire(schedule.cron, schedule.timezone, now) : null

/**
 * Saved inventory reports: each has an owner (the user or API key that saved it), whose access
 * its runs read with; teams it is shared with see it and its results; only the owner or a
 * tenant admin may change, run or delete it. Changes are audited like other tenant writes.
 */
export class SavedReports {
  constructor(
    private readonly env: Env,
    private readonly reports: SavedReportStore,
    private readonly teams: TeamStore,
    private readonly runs: SavedReportRuns,
    private readonly commands: Commands,
    private readonly auditTrail: AuditTrail,
    private readonly idempotency: IdempotencyStore,
    /** Asks the object's alarm for the next scheduled run again. */
    private readonly wake: () => void,
  ) {}

  create(spec: CreateSavedReportBody, principal: Principal, write: WriteContext): Answer<SavedReport> {
    const answer = this.commands.run(write, 'saved_report.create', 'saved_report', () => {
      this.check(spec.report, spec.shared_with_team_ids)
      const now = Date.now()
      const row: SavedReportRow = {
        id: nextId(now),
        name: spec.name,
        description: spec.description,
        report: spec.report,
        format: spec.format,
        cron: spec.schedule?.cron ?? null,
        timezone: spec.schedule?.timezone ?? null,
        nextRunAt: nextRunOf(spec.schedule, now),
        retention: spec.retention,
        sharedTeamIds: spec.shared_with_team_ids,
        ownerType: principal.actor.type,
        ownerId: principal.actor.id,
        createdAt: new Date(now),
        updatedAt: new Date(now),
      }
      this.reports.insert(row)
      return {
        status: 201,
        body: toSavedReport(row, undefined),
        objectId: row.id,
        details: { name: spec.name, format: spec.format, schedule: spec.schedule },
      }
    })
    this.wake()
    return answer
  }

  list(principal: Principal, limit: number, cursor: string | undefined): Answer<Page<SavedReport>> {
    const rows = this.reports.list(principal, limit + 1, cursor)
    const body = toPage(
      rows,
      limit,
      (page) => page.map((row) => toSavedReport(row, this.reports.lastResult(row.id))),
      (row) => row.id,
    )
    return { status: 200, body }
  }

  get(id: string, principal: Principal): Answer<SavedReport> {
    const row = this.reports.visible(id, principal)
    if (!row) return refusal(notFound('saved report'))
    return { status: 200, body: toSavedReport(row, this.reports.lastResult(id)) }
  }

  async update(
    id: string,
    spec: UpdateSavedReportBody,
    principal: Principal,
    write: WriteContext,
  ): Promise<Answer<SavedReport>> {
    let pruned: string[] = []
    const answer = this.commands.run(write, 'saved_report.update', 'saved_report', () => {
      const existing = this.managed(id, principal)
      this.check(spec.report ?? existing.report, spec.shared_with_team_ids ?? [])
      const now = Date.now()
      const schedule =
        spec.schedule === undefined
          ? undefined
          : { cron: spec.schedule?.cron ?? null, timezone: spec.schedule?.timezone ?? null }
      const row = this.reports.update(id, {
        ...(spec.name !== undefined && { name: spec.name }),
        ...(spec.description !== undefined && { description: spec.description }),
        ...(spec.report !== undefined && { report: spec.report }),
        ...(spec.format !== undefined && { format: spec.format }),
        ...(schedule && { ...schedule, nextRunAt: nextRunOf(spec.schedule ?? null, now) }),
        ...(spec.retention !== undefined && { retention: spec.retention }),
        ...(spec.shared_with_team_ids !== undefined && { sharedTeamIds: spec.shared_with_team_ids }),
        updatedAt: new Date(now),
      }) as SavedReportRow
      pruned = this.reports.prune(id, row.retention)
      return {
        status: 200,
        body: toSavedReport(row, this.reports.lastResult(id)),
        objectId: id,
        details: spec,
      }
    })
    if (pruned.length > 0) await this.env.ARCHIVES.delete(pruned)
    this.wake()
    return answer
  }

  async delete(id: string, principal: Principal, write: WriteContext): Promise<Answer<null>> {
    let keys: string[] = []
    const answer = this.commands.run(write, 'saved_report.delete', 'saved_report', () => {
      const existing = this.managed(id, principal)
      keys = this.reports.delete(id)
      return { status: 204, body: null, objectId: id, details: { name: existing.name } }
    })
    if (keys.length > 0) await this.env.ARCHIVES.delete(keys)
    return answer
  }

  /** Runs a report now, with its owner's access; audited, and replayed for a repeated Idempotency-Key. */
  async run(id: string, principal: Principal, write: WriteContext): Promise<Answer<SavedReportResult>> {
    const audit = (status: number, objectId: string | null, details: Record<string, unknown>) =>
      this.auditTrail.record({
        actor: write.caller.actor,
        action: 'saved_report.run',
        object: { type: 'saved_report', id: objectId },
        site_id: null,
        address: write.caller.address,
        status,
        details,
      })
    try {
      const replay = this.idempotency.find(write.idempotency, Date.now())
      if (replay) return replay as Reply<SavedReportResult>
      const report = this.managed(id, principal)
      const result = toResult(await this.runs.run(report, 'manual'))
      const reply = { status: 201, body: result }
      audit(201, id, { result_id: result.id, status: result.status, error: result.error })
      this.idempotency.save(write.idempotency, reply, Date.now())
      return reply
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      audit(error.status, null, { code: error.code })
      return refusal(error)
    }
  }

  results(
    id: string,
    principal: Principal,
    limit: number,
    cursor: string | undefined,
  ): Answer<Page<SavedReportResult>> {
    if (!this.reports.visible(id, principal)) return refusal(notFound('saved report'))
    const rows = this.reports.results(id, limit + 1, cursor)
    return {
      status: 200,
      body: toPage(
        rows,
        limit,
        (page) => page.map(toResult),
        (row) => row.id,
      ),
    }
  }

  /** Where a succeeded result's file is; 404 for a failed or pruned one. */
  resultFile(id: string, resultId: string, principal: Principal): Answer<ResultFile> {
    const report = this.reports.visible(id, principal)
    const result = report && this.reports.result(id, resultId)
    if (!report || !result?.objectKey || !result.contentType) return refusal(notFound('result'))
    const ext = result.objectKey.slice(result.objectKey.lastIndexOf('.') + 1)
    return {
      status: 200,
      body: {
        key: result.objectKey,
        content_type: result.contentType,
        filename: `${report.name}-${resultId}.${ext}`,
      },
    }
  }

  /** The report when the principal may change it: 404 when it may not see it, 403 when it only sees it. */
  private managed(id: string, principal: Principal): SavedReportRow {
    const row = this.reports.visible(id, principal)
    if (!row) throw notFound('saved report')
    const owns = row.ownerType === principal.actor.type && row.ownerId === principal.actor.id
    if (!owns && !isTenantAdmin(principal))
      throw apiError(403, 'forbidden', "only the report's owner or a tenant admin may change or run it")
    return row
  }

  /** Refuses a pivot whose relations join their kinds neither way, and teams the tenant does not have. */
  private check(report: SavedReportQuery, teamIds: readonly string[]) {
    if (report.type === 'pivot') pivotPlan(v.parse(PivotQuery, report.query))
    const unknown = teamIds.filter((teamId) => !this.teams.get(teamId))
    if (unknown.length > 0)
      throw apiError(422, 'unknown_team', `no team ${unknown.join(', ')} in this tenant`)
  }
}
