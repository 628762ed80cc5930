import { api, ok } from '../../api/client'
import type { Answer } from '../../api/types'
import { Link } from '../../app/router'
import { ErrorNotice } from '../../ui/feedback'
import { bytes, Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { InventoryFrame } from './inventory-frame'

type SavedReport = Answer<'/v1/inventory/saved-reports/{id}'>
type Result = SavedReport['last_result'] & object

const scheduleText = (report: SavedReport) =>
  report.schedule ? `${report.schedule.cron} (${report.schedule.timezone})` : 'when asked'

/** Runs a report now; `onRan` reloads what shows its results. */
const RunNow = ({ report, onRan }: { report: SavedReport; onRan: () => void }) => {
  const action = useAction()
  return (
    <>
      <button
        type="button"
        class="button"
        disabled={action.busy}
        onClick={() =>
          void action.run(async () => {
            await ok(
              api.POST('/v1/inventory/saved-reports/{id}/run', { params: { path: { id: report.id } } }),
            )
            onRan()
          })
        }
      >
        {action.busy ? 'Running…' : `Run ${report.name} now`}
      </button>
      <ErrorNotice error={action.error} />
    </>
  )
}

const resultHref = (reportId: string, resultId: string) =>
  `/v1/inventory/saved-reports/${reportId}/results/${resultId}`

/** `/inventory/saved`: the saved reports the user owns or that are shared with their teams. */
export const SavedReportsScreen = () => {
  const reports = useLoad(
    () => ok(api.GET('/v1/inventory/saved-reports', { params: { query: { limit: 1000 } } })),
    [],
  )
  return (
    <InventoryFrame tab="saved">
      <ErrorNotice error={reports.error} />
      <ListTable
        label="Saved reports"
        items={reports.data?.items}
        loading="saved reports"
        empty={<p class="muted">No saved reports yet: save one from the Entities tab with Save report.</p>}
        columns={[
          { header: 'Name', cell: (r) => <Link href={`/inventory/saved/${r.id}`}>{r.name}</Link> },
          { header: 'Format', cell: (r) => r.format },
          { header: 'Schedule', cell: scheduleText, class: 'mono' },
          { header: 'Next run', cell: (r) => <Time at={r.next_run_at} /> },
          {
            header: 'Last result',
            cell: (r) =>
              r.last_result ? (
                <>
                  <Status value={r.last_result.status} /> <Time at={r.last_result.finished_at} />
                </>
              ) : (
                <span class="muted">none yet</span>
              ),
          },
        ]}
        actions={(r) => <RunNow report={r} onRan={reports.reload} />}
      />
    </InventoryFrame>
  )
}

/** `/inventory/saved/{id}`: one saved report, run now, and its results with their files. */
export const SavedReportScreen = ({ reportId }: { reportId: string }) => {
  const path = { id: reportId }
  const report = useLoad(
    () => ok(api.GET('/v1/inventory/saved-reports/{id}', { params: { path } })),
    [reportId],
  )
  const results = useLoad(
    () =>
      ok(api.GET('/v1/inventory/saved-reports/{id}/results', { params: { path, query: { limit: 100 } } })),
    [reportId],
  )
  const saved = report.data
  return (
    <InventoryFrame
      tab="saved"
      title={saved?.name ?? 'Saved report'}
      actions={
        saved && (
          <RunNow
            report={saved}
            onRan={() => {
              report.reload()
              results.reload()
            }}
          />
        )
      }
    >
      <ErrorNotice error={report.error ?? results.error} />
      {saved && (
        <section class="card" aria-label="Report">
          <dl class="facts">
            <dt>Query</dt>
            <dd class="mono">{JSON.stringify(saved.report.query)}</dd>
            <dt>Format</dt>
            <dd>{saved.format}</dd>
            <dt>Schedule</dt>
            <dd class="mono">{scheduleText(saved)}</dd>
            <dt>Next run</dt>
            <dd>
              <Time at={saved.next_run_at} />
            </dd>
            <dt>Keeps</dt>
            <dd>{saved.retention} results</dd>
            <dt>Runs as</dt>
            <dd class="mono">
              {saved.owner.type}/{saved.owner.id}
            </dd>
          </dl>
        </section>
      )}
      <ListTable<Result>
        label="Results"
        items={results.data?.items}
        loading="results"
        empty={<p class="muted">No results yet.</p>}
        columns={[
          { header: 'Started', cell: (r) => <Time at={r.started_at} /> },
          { header: 'Trigger', cell: (r) => r.trigger },
          { header: 'Status', cell: (r) => <Status value={r.status} /> },
          { header: 'Rows', cell: (r) => r.rows ?? '—' },
          { header: 'Size', cell: (r) => bytes(r.bytes ?? undefined) },
          { header: 'Error', cell: (r) => (r.error ? `${r.error.code}: ${r.error.message}` : '—') },
          {
            header: 'File',
            cell: (r) =>
              r.status === 'succeeded' ? (
                <a href={resultHref(reportId, r.id)} download>
                  Download {saved?.format.toUpperCase()}
                </a>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </InventoryFrame>
  )
}
