import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { Link, navigate, route } from '../../app/router'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { useLoad } from '../../ui/use-load'
import { useQueryDraft } from '../../ui/use-query-draft'
import { CountsChart } from './counts-chart'
import { InventoryFrame } from './inventory-frame'
import { ReportFilterForm } from './report-filter-form'
import {
  cellText,
  ENTITY_KINDS,
  type ReportDraft,
  reportFromSearch,
  reportSearch,
  withLinkColumns,
} from './report-query'
import { SaveReportForm } from './save-report-form'

const ROWS_SHOWN = 500

/** A report call with the query string the console built (repeated filters, comma-separated columns). */
const entityReport = (search: string) =>
  ok(
    api.GET('/v1/inventory/reports/entities', {
      params: { query: { kind: 'server' } },
      querySerializer: () => search,
    }),
  )

/** The URL of one export of the report, which the browser downloads with the session's cookie. */
export const exportHref = (report: ReportDraft, format: 'csv' | 'json' | 'pdf') =>
  `/v1/inventory/reports/entities?${reportSearch(report, { format, limit: '10000' })}`

/**
 * `/inventory`: one kind's entities across every site the user reads, filtered as the report API
 * filters (contains/equals/after/before, active, tag, relation), sorted, with chosen columns,
 * exported, counted by a field, and saved to run again or on a schedule.
 */
export const InventoryScreen = () => {
  const report = reportFromSearch(route.value.search)
  const [draft, setDraft] = useQueryDraft(report)
  const [saving, setSaving] = useState(false)
  const key = reportSearch(report)
  const sites = useLoad(() => ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })), [])
  const rows = useLoad(
    () => entityReport(reportSearch(withLinkColumns(report), { limit: String(ROWS_SHOWN) })),
    [key],
  )
  const groups = useLoad(
    () =>
      report.group_by
        ? entityReport(reportSearch(report, { group_by: report.group_by }))
        : Promise.resolve(undefined),
    [key, report.group_by],
  )
  const siteName = new Map((sites.data?.items ?? []).map((s) => [s.id, s.name]))
  const columns = report.columns.split(',').map((c) => c.trim())
  const apply = (next: ReportDraft) =>
    navigate(`/inventory?${reportSearch(next, next.group_by ? { group_by: next.group_by } : {})}`)
  const answer = rows.data && 'rows' in rows.data ? rows.data : undefined
  const counted = groups.data && 'groups' in groups.data ? groups.data : undefined
  return (
    <InventoryFrame
      tab="entities"
      actions={
        <Link class="button button-primary" href={`/inventory/new?kind=${report.kind}`}>
          New entity
        </Link>
      }
    >
      <nav class="tabs" aria-label="Kinds">
        {ENTITY_KINDS.map((kind) => (
          <Link
            key={kind}
            class="tab"
            href={`/inventory?kind=${kind}`}
            aria-current={kind === report.kind ? 'page' : undefined}
          >
            {kind.replace('_', ' ')}
          </Link>
        ))}
      </nav>
      <ReportFilterForm draft={draft} onChange={setDraft} onApply={() => apply(draft)} />
      <section class="toolbar" aria-label="Export">
        <a class="button" href={exportHref(report, 'csv')} download>
          Export CSV
        </a>
        <a class="button" href={exportHref(report, 'json')} download={`${report.kind}-report.json`}>
          Export JSON
        </a>
        <a class="button" href={exportHref(report, 'pdf')} download>
          Export PDF
        </a>
        <button type="button" class="button" onClick={() => setSaving(true)}>
          Save report
        </button>
        {answer && (
          <span class="muted" role="status">
            {answer.total} {answer.total === 1 ? 'entity' : 'entities'}
            {answer.total > answer.rows.length ? `, the first ${answer.rows.length} shown` : ''}
          </span>
        )}
      </section>
      {saving && <SaveReportForm report={report} onDone={() => setSaving(false)} />}
      <ErrorNotice error={rows.error ?? groups.error} />
      {counted && (
        <section class="card" aria-label="Counts">
          <h2>Entities by {counted.group_by}</h2>
          <CountsChart field={counted.group_by} groups={counted.groups} />
        </section>
      )}
      {answer && answer.rows.length === 0 ? (
        <EmptyState title={`No ${report.kind.replace('_', ' ')} matches`}>
          Widen the filters, create one with New entity, or import a CSV.
        </EmptyState>
      ) : (
        answer && (
          <table class="table">
            <caption class="visually-hidden">Entities</caption>
            <thead>
              <tr>
                {columns.map((column) => (
                  <th key={column}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {answer.rows.map((row) => (
                <tr key={String(row.id)}>
                  {columns.map((column, i) => (
                    <td key={column}>
                      {i === 0 ? (
                        <Link href={`/sites/${String(row.site_id)}/inventory/${String(row.id)}`}>
                          {cellText(row[column])}
                        </Link>
                      ) : column === 'site_id' ? (
                        (siteName.get(String(row.site_id)) ?? cellText(row[column]))
                      ) : (
                        cellText(row[column])
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
    </InventoryFrame>
  )
}
