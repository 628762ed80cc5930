import { monotonicFactory } from 'ulid'
import type { SavedReportFormat, SavedReportTrigger } from '../../schema/api/saved-reports'
import { cronOf } from '../../schema/events/schedule'
import type { Principal } from '../access/principal'
import type { Env } from '../env'
import { ApiError } from '../http/errors'
import { renderReport } from '../inventory/report-render'
import { errorMessage, log } from '../lib/log'
import { putStream } from '../lib/r2-upload'
import type { ResultRow, SavedReportRow, SavedReportStore } from './saved-report-store'

const nextId = monotonicFactory()
const EXTENSIONS: Record<SavedReportFormat, string> = { json: 'json', csv: 'csv', pdf: 'pdf' }

/** The next fire of a schedule after `now` (ms); null when it never fires again. */
export const nextFire = (cron: string, timezone: string, now: number): Date | null =>
  cronOf(cron, timezone).nextRun(new Date(now))

/** Where a result's file is kept in R2. */
export const resultKey = (tenantId: string, report: SavedReportRow, resultId: string) =>
  `tenants/${tenantId}/reports/${report.id}/${resultId}.${EXTENSIONS[report.format]}`

/**
 * Runs saved reports, now or when their schedule says, with their owner's access as it is at
 * run time; writes each result's file to R2, records it, and deletes results beyond the
 * report's retention. A missed schedule (the object was down) runs once, then waits for the
 * next fire after now.
 */
export class SavedReportRuns {
  readonly name = 'saved_reports'

  constructor(
    private readonly env: Env,
    private readonly tenantId: () => string,
    private readonly reports: SavedReportStore,
    /** What the owner may read now; null when the user is disabled or gone, or the key revoked or expired. */
    private readonly ownerAccess: (
      owner: { type: 'user' | 'key'; id: string },
      now: number,
    ) => Principal | null,
  ) {}

  due(): number | undefined {
    return this.reports.nextRunAt()
  }

  async work(now = Date.now()) {
    for (const report of this.reports.due(now)) {
      const next = report.cron && report.timezone ? nextFire(report.cron, report.timezone, now) : null
      this.reports.update(report.id, { nextRunAt: next })
      await this.run(report, 'schedule', now)
    }
  }

  /** Runs a report once; a failure is recorded as the result's error, not thrown. */
  async run(report: SavedReportRow, trigger: SavedReportTrigger, startedAt = Date.now()): Promise<ResultRow> {
    const id = nextId(startedAt)
    const base = { id, reportId: report.id, startedAt: new Date(startedAt), trigger }
    const failed = (code: string, message: string): ResultRow => ({
      ...base,
      finishedAt: new Date(),
      status: 'failed',
      rows: null,
      bytes: null,
      errorCode: code,
      errorMessage: message,
      objectKey: null,
      contentType: null,
    })
    const owner = this.ownerAccess({ type: report.ownerType, id: report.ownerId }, startedAt)
    let result: ResultRow
    if (!owner) {
      result = failed(
        'owner_inactive',
        `the report's owner (${report.ownerType} ${report.ownerId}) is disabled or deleted, or the key is revoked or expired`,
      )
    } else {
      try {
        const rendered = await renderReport(this.env, owner, report.report, report.format)
        const key = resultKey(this.tenantId(), report, id)
        const bytes = await putStream(this.env.ARCHIVES, key, rendered.body, rendered.contentType)
        result = {
          ...base,
          finishedAt: new Date(),
          status: 'succeeded',
          rows: rendered.rows(),
          bytes,
          errorCode: null,
          errorMessage: null,
          objectKey: key,
          contentType: rendered.contentType,
        }
      } catch (error) {
        log('error', 'saved report run failed', {
          tenant_id: this.tenantId(),
          report_id: report.id,
          error: errorMessage(error),
        })
        result =
          error instanceof ApiError
            ? failed(error.code, error.message)
            : failed('run_failed', errorMessage(error))
      }
    }
    await this.keep(report.id, result)
    return result
  }

  /** Records a result and prunes old ones; a result of a report deleted meanwhile is let go with its file. */
  private async keep(reportId: string, result: ResultRow) {
    const report = this.reports.get(reportId)
    if (!report) {
      if (result.objectKey) await this.env.ARCHIVES.delete(result.objectKey)
      return
    }
    this.reports.addResult(result)
    const pruned = this.reports.prune(reportId, report.retention)
    if (pruned.length > 0) await this.env.ARCHIVES.delete(pruned)
  }
}
