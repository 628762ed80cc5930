import { useMemo } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { Link } from '../../app/router'
import { can } from '../../session/session'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { PageHeader } from '../../ui/page'
import { StackedBars } from '../../ui/stacked-bars'
import { useLoad } from '../../ui/use-load'
import { AuditTable } from '../access/audit-table'
import { runsByHour } from './runs-by-hour'

const DAY_MS = 24 * 3600 * 1000

/** `/`: the tenant at a glance: sites, agents, the last day's runs, failures, audit. */
export const OverviewScreen = () => {
  const data = useLoad(async () => {
    const since = new Date(Date.now() - DAY_MS).toISOString()
    const count = (presence: 'online' | 'offline') =>
      ok(api.GET('/v1/agents', { params: { query: { presence, status: 'approved', limit: 1000 } } }))
    const [sites, online, offline, runs, failures] = await Promise.all([
      ok(api.GET('/v1/sites', { params: { query: { status: 'active', limit: 1000 } } })),
      count('online'),
      count('offline'),
      ok(api.GET('/v1/runs', { params: { query: { since, limit: 1000 } } })),
      ok(api.GET('/v1/runs', { params: { query: { status: 'failed', limit: 6 } } })),
    ])
    return { sites, online, offline, runs, failures }
  }, [])
  const audit = useLoad(
    () =>
      can('admin') ? ok(api.GET('/v1/audit', { params: { query: { limit: 8 } } })) : Promise.resolve(null),
    [],
  )
  const d = data.data
  const atLeast = (page: { items: unknown[]; next_cursor: string | null }) =>
    `${page.items.length}${page.next_cursor ? '+' : ''}`
  const chart = useMemo(() => (d ? runsByHour(d.runs.items, Date.now()) : null), [d])
  return (
    <>
      <PageHeader title="Overview" />
      <ErrorNotice error={data.error} />
      {!d ? (
        <Loading what="the overview" />
      ) : (
        <>
          <div class="stats">
            <Link class="stat" href="/sites">
              <span class="stat-value">{atLeast(d.sites)}</span>
              <span class="stat-label">sites</span>
            </Link>
            <div class="stat">
              <span class="stat-value stat-good">{atLeast(d.online)}</span>
              <span class="stat-label">agents online</span>
            </div>
            <div class="stat">
              <span class="stat-value stat-muted">{atLeast(d.offline)}</span>
              <span class="stat-label">agents offline</span>
            </div>
            <Link class="stat" href="/runs">
              <span class="stat-value">{atLeast(d.runs)}</span>
              <span class="stat-label">runs in 24 h</span>
            </Link>
          </div>
          {d.sites.items.length === 0 && (
            <EmptyState title="Welcome to Sitewire">
              {can('admin') ? (
                <>
                  Start by <Link href="/sites">creating a site</Link>, then enrol the agents on its servers.
                </>
              ) : (
                'Ask an admin for a role on a site.'
              )}
            </EmptyState>
          )}
          <div class="panels">
            <section class="card" aria-labelledby="runs-day">
              <h2 id="runs-day">Runs in the last 24 hours</h2>
              {chart && (
                <StackedBars label="Runs per hour by outcome" times={chart.times} series={chart.series} />
              )}
            </section>
            <section class="card" aria-labelledby="recent-failures">
              <h2 id="recent-failures">Recent failures</h2>
              {d.failures.items.length === 0 ? (
                <p class="muted">No failed runs.</p>
              ) : (
                <ul class="plain-list">
                  {d.failures.items.map((run) => (
                    <li key={run.id}>
                      <Link href={`/sites/${run.site_id}/runs/${run.id}`}>{run.task_name}</Link>{' '}
                      <Status value={run.status} /> <Time at={run.finished_at ?? run.requested_at} />
                      {run.reason && <span class="muted"> · {run.reason}</span>}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          {audit.data && (
            <section class="card" aria-labelledby="newest-audit">
              <div class="page-title-row">
                <h2 id="newest-audit">Newest audit entries</h2>
                <Link href="/access/audit">All audit entries</Link>
              </div>
              <AuditTable entries={audit.data.items} />
            </section>
          )}
        </>
      )}
    </>
  )
}
