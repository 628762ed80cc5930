import { api, ok } from '../../api/client'
import type { Alert, Site } from '../../api/types'
import { Link, queryParam, setQuery } from '../../app/router'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { useQueryDraft } from '../../ui/use-query-draft'
import { SiteFrame } from '../site/site-frame'
import { AlertFilterFields } from './alert-filter-fields'
import { AlertMarks, SEVERITIES, Severity } from './alert-marks'

const FILTERS = ['status', 'severity', 'q', 'label'] as const
type Filter = Record<(typeof FILTERS)[number], string>

/** `/sites/:siteId/alerts`: the site's alerts, newest first, filtered; firing ones counted by severity. */
export const AlertsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="alerts">
    {(site) => <Alerts site={site} />}
  </SiteFrame>
)

/** `a=1, b=2` as the API's `label=a=1,b=2`. */
export const labelQuery = (text: string) =>
  text
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .join(',') || undefined

const Alerts = ({ site }: { site: Site }) => {
  const filter = Object.fromEntries(FILTERS.map((name) => [name, queryParam(name)])) as Filter
  const [draft, setDraft] = useQueryDraft(filter)
  const path = { siteId: site.id }
  const alerts = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/alerts', {
          params: {
            path,
            query: {
              limit: 200,
              status: (filter.status || undefined) as Alert['status'] | undefined,
              severity: (filter.severity || undefined) as Alert['severity'] | undefined,
              q: filter.q || undefined,
              label: labelQuery(filter.label),
            },
          },
        }),
      ),
    [site.id, JSON.stringify(filter)],
  )
  const counts = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/alerts/counts', { params: { path, query: { status: 'firing' } } })),
    [site.id, alerts.data],
  )
  const bySeverity = counts.data?.groups[0]?.by_severity ?? {}
  const apply = (changes: Partial<Filter>) =>
    setQuery(Object.fromEntries(FILTERS.map((name) => [name, (changes[name] ?? draft[name]) || undefined])), {
      push: true,
    })
  return (
    <section aria-label="Alerts">
      <section class="stats stats-5" aria-label="Firing alerts by severity">
        {SEVERITIES.map((severity) => (
          <button
            type="button"
            key={severity}
            class="stat"
            aria-pressed={filter.severity === severity && filter.status === 'firing'}
            onClick={() => apply({ status: 'firing', severity })}
          >
            <span class={`stat-value severity-text-${severity}`}>{bySeverity[severity] ?? 0}</span>
            <span class="stat-label">{severity} firing</span>
          </button>
        ))}
      </section>
      <form
        class="card form"
        aria-label="Filter alerts"
        onSubmit={(e) => {
          e.preventDefault()
          apply({})
        }}
      >
        <div class="form-row">
          <AlertFilterFields draft={draft} setDraft={setDraft} />
          <button type="submit" class="button button-primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorNotice error={alerts.error ?? counts.error} />
      <ListTable
        label="Alerts"
        loading="alerts"
        items={alerts.data?.items}
        empty={
          <EmptyState title={FILTERS.some((name) => filter[name]) ? 'No alert matches' : 'No alerts yet'}>
            Alerts arrive through the site’s <Link href={`/sites/${site.id}/integrations`}>integrations</Link>
            .
          </EmptyState>
        }
        columns={[
          { header: 'Status', cell: (alert) => <Status value={alert.status} /> },
          { header: 'Severity', cell: (alert) => <Severity value={alert.severity} /> },
          {
            header: 'Name',
            cell: (alert) => (
              <>
                <Link href={`/sites/${site.id}/alerts/${alert.id}`}>{alert.name}</Link>
                {alert.summary && <div class="small muted">{alert.summary}</div>}
              </>
            ),
          },
          { header: 'Labels', cell: (alert) => <Labels labels={alert.labels} /> },
          { header: 'Started', cell: (alert) => <Time at={alert.starts_at} /> },
          { header: 'Episode', cell: (alert) => alert.episode },
          { header: 'Marks', cell: (alert) => <AlertMarks alert={alert} /> },
        ]}
      />
      {alerts.data?.next_cursor && (
        <p class="muted">Showing the newest 200; narrow the filters to see more.</p>
      )}
    </section>
  )
}
