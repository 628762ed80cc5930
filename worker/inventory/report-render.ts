import * as v from 'valibot'
import {
  EntityReportQuery,
  type PivotNode,
  PivotQuery,
  type PivotReport,
} from '../../schema/api/inventory-reports'
import type { SavedReportFormat, SavedReportQuery } from '../../schema/api/saved-reports'
import type { Principal } from '../access/principal'
import type { Env } from '../env'
import { readProjections } from '../projections/connection'
import { reportGroups, reportPages, reportRows, reportTotal } from './entity-report'
import { pivotPlan, pivotReport } from './pivot-report'
import { cellText, csvLine, csvStream, reportPdf } from './report-export'

/** A report as a file: its bytes (a stream for CSV, read a page at a time) and how many rows it holds. */
export interface RenderedReport {
  body: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>
  contentType: string
  /** Rows written; for a stream, known once it has been read to its end. */
  rows: () => number
}

export const CONTENT_TYPES: Record<SavedReportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8; header=present',
  pdf: 'application/pdf',
}

// TextEncoder always answers a fresh ArrayBuffer; its declared type allows a shared one.
const utf8 = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>
const encoded = (value: unknown) => utf8(JSON.stringify(value))

const fixed = (body: Uint8Array<ArrayBuffer>, format: SavedReportFormat, rows: number): RenderedReport => ({
  body,
  contentType: CONTENT_TYPES[format],
  rows: () => rows,
})

/** A table (columns and rows) in the chosen format, held whole: groups and pivot paths are bounded. */
const table = async (
  format: SavedReportFormat,
  title: string,
  columns: string[],
  rows: Record<string, unknown>[],
  json: unknown,
) => {
  if (format === 'json') return fixed(encoded(json), format, rows.length)
  if (format === 'pdf')
    return fixed(new Uint8Array(await reportPdf(title, columns, rows)), format, rows.length)
  const text = csvLine(columns) + rows.map((row) => csvLine(columns.map((c) => cellText(row[c])))).join('')
  return fixed(utf8(text), format, rows.length)
}

/** Every root-to-leaf path of a pivot, one name per level. */
const pivotPaths = (report: PivotReport, columns: string[]) => {
  const paths: Record<string, unknown>[] = []
  const walk = (node: PivotNode, depth: number, path: Record<string, unknown>) => {
    const here = { ...path, [columns[depth] as string]: node.name }
    if (node.children.length === 0) paths.push(here)
    for (const child of node.children) walk(child, depth + 1, here)
  }
  for (const root of report.roots) walk(root, 0, {})
  return paths
}

/**
 * A single-kind report, read with `principal`'s access: what `GET /v1/inventory/reports/entities`
 * answers (every row streamed as CSV, or up to `limit` rows as JSON or a PDF table), and counts
 * per value with `group_by` (as JSON, or a value/count table as CSV or PDF).
 */
export const entityReport = async (
  env: Env,
  principal: Principal,
  query: EntityReportQuery,
  format: SavedReportFormat,
): Promise<RenderedReport> => {
  if (query.group_by) {
    const grouped = { ...query, group_by: query.group_by }
    const groups = await readProjections(env, (db) => reportGroups(db, principal, grouped))
    const json = { kind: query.kind, group_by: query.group_by, groups }
    return table(
      format,
      `Sitewire inventory: ${query.kind} by ${query.group_by}`,
      ['value', 'count'],
      groups,
      json,
    )
  }
  if (format === 'csv') {
    let rows = 0
    const next = reportPages((read) => readProjections(env, read), principal, query)
    const body = csvStream(query.columns, async (limit) => {
      const page = await next(limit)
      rows += page.length
      return page
    })
    return { body, contentType: CONTENT_TYPES.csv, rows: () => rows }
  }
  const [rows, total] = await readProjections(env, (db) =>
    Promise.all([reportRows(db, principal, query, 0, query.limit), reportTotal(db, principal, query)]),
  )
  if (format === 'pdf')
    return fixed(
      new Uint8Array(await reportPdf(`Sitewire inventory: ${query.kind} (${total})`, query.columns, rows)),
      format,
      rows.length,
    )
  return fixed(encoded({ kind: query.kind, columns: query.columns, rows, total }), format, rows.length)
}

/** A pivot, as `GET /v1/inventory/reports/pivot` answers it; as CSV or PDF, one row per path through the tree. */
const pivot = async (env: Env, principal: Principal, query: PivotQuery, format: SavedReportFormat) => {
  const plan = pivotPlan(query)
  const report = await readProjections(env, (db) => pivotReport(db, principal, plan))
  const columns = plan.levels.map((level, i) => `${i}:${level.kind}`)
  const title = `Sitewire inventory pivot: ${query.chain.join(' ')}`
  return table(format, title, columns, pivotPaths(report, columns), report)
}

/** A saved report's query, read with `principal`'s access and rendered in `format`. */
export const renderReport = (
  env: Env,
  principal: Principal,
  report: SavedReportQuery,
  format: SavedReportFormat,
): Promise<RenderedReport> =>
  report.type === 'entities'
    ? entityReport(env, principal, v.parse(EntityReportQuery, report.query), format)
    : pivot(env, principal, v.parse(PivotQuery, report.query), format)
