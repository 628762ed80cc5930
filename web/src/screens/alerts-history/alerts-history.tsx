import { api, ok } from '../../api/client'
import type { AlertRecord } from '../../api/types'
import { Link, queryParam, setQuery } from '../../app/router'
import { isAdmin } from '../../session/session'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { PageHeader } from '../../ui/page'
import { useLoad } from '../../ui/use-load'
import { useQueryDraft } from '../../ui/use-query-draft'
import { AlertFilterFields } from '../alerts/alert-filter-fields'
import { Severity } from '../alerts/alert-marks'
import { labelQuery } from '../alerts/alerts'

/** The record's marks as words; its alert page says by whom and until when. */
const RecordMarks = ({ alert }: { alert: AlertRecord }) => (
  <span class="labels">
    {(['silenced', 'acknowledged', 'flapping'] as const)
      .filter((mark) => alert[mark])
      .map((mark) => (
        <span key={mark} class="mark">
          {mark}
        </span>
      ))}
  </span>
)

const FILTERS = ['site_id', 'status', 'severity', 'q', 'label'] as const

/** `/alerts`: alerts across every site the caller sees, newest first, filtered; each links to its site's page. */
export const AlertsHistoryScreen = () => {
  const filter = Object.fromEntries(FILTERS.map((name) => [name, queryParam(name)])) as Record<
    (typeof FILTERS)[number],
    string
  >
  const [draft, setDraft] = useQueryDraft(filter)
  const sites = useLoad(() => ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })), [])
  const alerts = useLoad(
    () =>
      ok(
        api.GET('/v1/alerts', {
          params: {
            query: {
              limit: 200,
              site_id: filter.site_id || undefined,
              status: (filter.status || undefined) as AlertRecord['status'] | undefined,
              severity: (filter.severity || undefined) as AlertRecord['severity'] | undefined,
              q: filter.q || undefined,
              label: labelQuery(filter.label),
            },
          },
        }),
      ),
    [JSON.stringify(filter)],
  )
  const siteName = new Map((sites.data?.items ?? []).map((s) => [s.id, s.name]))
  return (
    <>
      <PageHeader
        title="Alerts"
        actions={
          isAdmin.value && (
            <Link class="button" href="/integrations">
              Integrations for every site
            </Link>
          )
        }
      />
      <form
        class="card form"
        aria-label="Filter alerts"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery(Object.fromEntries(FILTERS.map((name) => [name, draft[name] || undefined])), {
            push: true,
          })
        }}
      >
        <div class="form-row">
          <label class="field">
            <span>Site</span>
            <select
              value={draft.site_id}
              onChange={(e) => setDraft({ ...draft, site_id: e.currentTarget.value })}
            >
              <option value="">all sites</option>
              {sites.data?.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <AlertFilterFields draft={draft} setDraft={setDraft} />
          <button type="submit" class="button button-primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorNotice error={alerts.error} />
      <ListTable
        label="Alerts"
        loading="alerts"
        items={alerts.data?.items}
        empty={
          <EmptyState title="No alert matches">
            Widen the filters; alerts arrive through each site’s integrations.
          </EmptyState>
        }
        columns={[
          { header: 'Status', cell: (alert) => <Status value={alert.status} /> },
          { header: 'Severity', cell: (alert) => <Severity value={alert.severity} /> },
          {
            header: 'Name',
            cell: (alert) => (
              <>
                <Link href={`/sites/${alert.site_id}/alerts/${alert.id}`}>{alert.name}</Link>
                {alert.summary && <div class="small muted">{alert.summary}</div>}
              </>
            ),
          },
          { header: 'Site', cell: (alert) => siteName.get(alert.site_id) ?? alert.site_id },
          { header: 'Labels', cell: (alert) => <Labels labels={alert.labels} /> },
          { header: 'Started', cell: (alert) => <Time at={alert.starts_at} /> },
          { header: 'Marks', cell: (alert) => <RecordMarks alert={alert} /> },
        ]}
      />
      {alerts.data?.next_cursor && (
        <p class="muted">Showing the newest 200; narrow the filters to see older alerts.</p>
      )}
    </>
  )
}
