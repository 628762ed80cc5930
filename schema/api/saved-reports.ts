import * as v from 'valibot'
import { PageQuery, pageOf, Timestamp, TimeZone, Ulid } from '../common'
import { CronExpression } from '../events/schedule'
import { EntityReportQuery, PivotQuery } from './inventory-reports'

/** A query parameter's value as JSON: one string, or a list for a repeated parameter. */
const QueryParams = v.record(v.string(), v.union([v.string(), v.array(v.string())]))

/**
 * Refuses a saved query as the live report route refuses the same query string: each issue
 * of `schema`, named by its field. The query is kept as given, so it reads back as it was sent.
 */
const readAs = (schema: v.GenericSchema) =>
  v.rawCheck<Record<string, string | string[]>>(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    if ('format' in dataset.value) addIssue({ message: 'format: give it beside the query, as `format`' })
    const result = v.safeParse(schema, dataset.value)
    if (result.success) return
    for (const issue of result.issues)
      addIssue({ message: `${v.getDotPath(issue) ?? 'query'}: ${issue.message}` })
  })

/**
 * What a saved report runs: `entities`, the query parameters of `GET /v1/inventory/reports/entities`
 * as JSON (e.g. `{"kind":"server","columns":"name,site_id","filter":["attributes.environment:equals:prod"]}`),
 * or `pivot`, those of `GET /v1/inventory/reports/pivot`.
 */
export const SavedReportQuery = v.variant('type', [
  v.strictObject({ type: v.literal('entities'), query: v.pipe(QueryParams, readAs(EntityReportQuery)) }),
  v.strictObject({ type: v.literal('pivot'), query: v.pipe(QueryParams, readAs(PivotQuery)) }),
])
export type SavedReportQuery = v.InferOutput<typeof SavedReportQuery>

export const SAVED_REPORT_FORMATS = ['json', 'csv', 'pdf'] as const
export const SavedReportFormat = v.picklist(SAVED_REPORT_FORMATS, 'the format is json, csv or pdf')
export type SavedReportFormat = v.InferOutput<typeof SavedReportFormat>

/** When a report runs by itself: a 5-field cron expression in an IANA time zone. */
export const SavedReportSchedule = v.strictObject({ cron: CronExpression, timezone: TimeZone })
export type SavedReportSchedule = v.InferOutput<typeof SavedReportSchedule>

export const DEFAULT_RETENTION = 30
const Name = v.pipe(v.string(), v.trim(), v.minLength(1, 'name is required'), v.maxLength(200))
const Description = v.pipe(v.string(), v.maxLength(2000))
/** How many results are kept; older ones and their files are deleted. */
const Retention = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))
const TeamIds = v.pipe(v.array(Ulid), v.maxLength(50))

export const CreateSavedReportBody = v.strictObject({
  name: Name,
  description: v.optional(v.nullable(Description), null),
  report: SavedReportQuery,
  format: v.optional(SavedReportFormat, 'json'),
  schedule: v.optional(v.nullable(SavedReportSchedule), null),
  retention: v.optional(Retention, DEFAULT_RETENTION),
  shared_with_team_ids: v.optional(TeamIds, []),
})
export type CreateSavedReportBody = v.InferOutput<typeof CreateSavedReportBody>

/** Any of a saved report's fields; `schedule: null` stops its runs. */
export const UpdateSavedReportBody = v.strictObject({
  name: v.optional(Name),
  description: v.optional(v.nullable(Description)),
  report: v.optional(SavedReportQuery),
  format: v.optional(SavedReportFormat),
  schedule: v.optional(v.nullable(SavedReportSchedule)),
  retention: v.optional(Retention),
  shared_with_team_ids: v.optional(TeamIds),
})
export type UpdateSavedReportBody = v.InferOutput<typeof UpdateSavedReportBody>

export const SavedReportTrigger = v.picklist(['manual', 'schedule'])
export type SavedReportTrigger = v.InferOutput<typeof SavedReportTrigger>

/** One run of a saved report; a succeeded one's file is downloaded from `…/results/{id}`. */
export const SavedReportResult = v.object({
  id: Ulid,
  report_id: Ulid,
  started_at: Timestamp,
  finished_at: Timestamp,
  trigger: SavedReportTrigger,
  status: v.picklist(['succeeded', 'failed']),
  /** Rows in the file (entities, groups, or pivot paths). */
  rows: v.nullable(v.number()),
  bytes: v.nullable(v.number()),
  /** Why it failed: `owner_inactive` when the owner is disabled or deleted, or the key revoked or expired. */
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
})
export type SavedReportResult = v.InferOutput<typeof SavedReportResult>
export const SavedReportResultPage = pageOf(SavedReportResult)

export const SavedReport = v.object({
  id: Ulid,
  name: v.string(),
  description: v.nullable(v.string()),
  report: SavedReportQuery,
  format: SavedReportFormat,
  schedule: v.nullable(SavedReportSchedule),
  /** The next scheduled run; null without a schedule. */
  next_run_at: v.nullable(Timestamp),
  retention: v.number(),
  shared_with_team_ids: v.array(Ulid),
  /** Who saved it: its runs read with this user's or key's access as it is at run time. */
  owner: v.object({ type: v.picklist(['user', 'key']), id: Ulid }),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_result: v.nullable(SavedReportResult),
})
export type SavedReport = v.InferOutput<typeof SavedReport>
export const SavedReportPage = pageOf(SavedReport)

export const ListSavedReportsQuery = v.object({ ...PageQuery.entries, cursor: v.optional(Ulid) })
export type ListSavedReportsQuery = v.InferOutput<typeof ListSavedReportsQuery>

export const SavedReportResultParam = v.object({ id: Ulid, resultId: Ulid })
