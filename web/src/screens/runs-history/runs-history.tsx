import { useMemo } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Item } from '../../api/types'
import { queryParam, setQuery } from '../../app/router'
import { instant } from '../../ui/datetime'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { duration } from '../../ui/format'
import { PageHeader } from '../../ui/page'
import { type PointSeries, PointsChart } from '../../ui/points-chart'
import { type RunStatus, RunStatusFilter, RunTable, runColumns } from '../../ui/run-list'
import { useLoad } from '../../ui/use-load'
import { useQueryDraft } from '../../ui/use-query-draft'

type RunRecord = Item<'/v1/runs'>
const FILTERS = ['site_id', 'task_id', 'agent_id', 'status', 'since', 'until'] as const

/** Durations of finished runs per outcome, on the time each was requested. */
const durationSeries = (runs: RunRecord[]) => {
  const finished = runs
    .filter((r) => r.duration_ms !== null)
    .sort((a, b) => a.requested_at.localeCompare(b.requested_at))
  const times = finished.map((r) => Date.parse(r.requested_at) / 1000)
  const seconds = (want: (r: RunRecord) => boolean) =>
    finished.map((r) => (want(r) ? (r.duration_ms ?? 0) / 1000 : null))
  const series: PointSeries[] = [
    { label: 'succeeded', color: '--ok', values: seconds((r) => r.status === 'succeeded') },
    { label: 'failed', color: '--danger', values: seconds((r) => r.status === 'failed') },
    {
      label: 'other',
      color: '--text-muted',
      values: seconds((r) => r.status !== 'succeeded' && r.status !== 'failed'),
    },
  ]
  return { times, series }
}

/** `/runs`: the run history across every site the caller sees, filtered, with durations charted. */
export const RunsHistoryScreen = () => {
  const filter = Object.fromEntries(FILTERS.map((name) => [name, queryParam(name)])) as Record<
    (typeof FILTERS)[number],
    string
  >
  const [draft, setDraft] = useQueryDraft(filter)
  const sites = useLoad(() => ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })), [])
  const runs = useLoad(
    () =>
      ok(
        api.GET('/v1/runs', {
          params: {
            query: {
              limit: 500,
              site_id: filter.site_id || undefined,
              task_id: filter.task_id || undefined,
              agent_id: filter.agent_id || undefined,
              status: (filter.status || undefined) as RunStatus | undefined,
              since: instant(filter.since),
              until: instant(filter.until),
            },
          },
        }),
      ),
    [JSON.stringify(filter)],
  )
  const chart = useMemo(() => (runs.data ? durationSeries(runs.data.items) : null), [runs.data])
  const siteName = new Map((sites.data?.items ?? []).map((s) => [s.id, s.name]))
  const input = (name: 'task_id' | 'agent_id', label: string) => (
    <label class="field">
      <span>{label}</span>
      <input
        class="mono"
        value={draft[name]}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value.trim() })}
      />
    </label>
  )
  return (
    <>
      <PageHeader title="Runs" />
      <form
        class="card form"
        aria-label="Filter runs"
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
          <RunStatusFilter value={draft.status} onChange={(status) => setDraft({ ...draft, status })} />
          {input('task_id', 'Task id')}
          {input('agent_id', 'Agent id')}
          <label class="field">
            <span>Since</span>
            <input
              type="datetime-local"
              value={draft.since}
              onInput={(e) => setDraft({ ...draft, since: e.currentTarget.value })}
            />
          </label>
          <label class="field">
            <span>Until</span>
            <input
              type="datetime-local"
              value={draft.until}
              onInput={(e) => setDraft({ ...draft, until: e.currentTarget.value })}
            />
          </label>
          <button type="submit" class="button button-primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorNotice error={runs.error} />
      {chart && runs.data && runs.data.items.length > 0 && (
        <section class="card" aria-labelledby="durations">
          <h2 id="durations">Duration by outcome</h2>
          <PointsChart
            label="Run durations in seconds by outcome"
            times={chart.times}
            series={chart.series}
            unit="s"
          />
        </section>
      )}
      <RunTable
        runs={runs.data?.items}
        empty={
          <EmptyState title="No run matches">
            Widen the filters, or run a task from a site’s Tasks tab.
          </EmptyState>
        }
        columns={[
          runColumns.task,
          { header: 'Site', cell: (run) => siteName.get(run.site_id) ?? run.site_id },
          runColumns.status,
          {
            header: 'Agents',
            cell: (run) =>
              `${run.agents.succeeded ?? '—'} ok · ${run.agents.failed ?? '—'} failed of ${run.agents.targeted}`,
          },
          { header: 'Duration', cell: (run) => duration(run.duration_ms) },
          runColumns.trigger,
          runColumns.requested,
        ]}
      />
      {runs.data?.next_cursor && (
        <p class="muted">Showing the newest 500; narrow the filters to see older runs.</p>
      )}
    </>
  )
}
