import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { Link, queryParam, setQuery } from '../../app/router'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

const STATUSES = [
  'requested',
  'queued',
  'scheduled',
  'dispatched',
  'collecting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const
type RunStatus = (typeof STATUSES)[number]

/** `/sites/:siteId/runs`: the site's runs, newest first, straight from the site's own state. */
export const SiteRunsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="runs">
    {(site) => <SiteRuns site={site} />}
  </SiteFrame>
)

const SiteRuns = ({ site }: { site: Site }) => {
  const status = queryParam('status') as RunStatus | ''
  const runs = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/runs', {
          params: { path: { siteId: site.id }, query: { limit: 200, status: status || undefined } },
        }),
      ),
    [site.id, status],
  )
  return (
    <section aria-label="Runs">
      <div class="toolbar">
        <label class="field field-inline">
          <span>Status</span>
          <select value={status} onChange={(e) => setQuery({ status: e.currentTarget.value || undefined })}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice error={runs.error} />
      {!runs.data ? (
        <Loading what="runs" />
      ) : runs.data.items.length === 0 ? (
        <EmptyState title="No runs">
          Open a task on the <Link href={`/sites/${site.id}/tasks`}>Tasks</Link> tab and run it.
        </EmptyState>
      ) : (
        <table class="table">
          <caption class="visually-hidden">Runs</caption>
          <thead>
            <tr>
              <th>Task</th>
              <th>Status</th>
              <th>Agents</th>
              <th>Trigger</th>
              <th>Requested</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.items.map((run) => (
              <tr key={run.id}>
                <td>
                  <Link href={`/sites/${site.id}/runs/${run.id}`}>{run.task_name}</Link>
                </td>
                <td>
                  <Status value={run.status} />
                </td>
                <td>
                  {run.agents.succeeded} ok · {run.agents.failed} failed
                </td>
                <td>{run.trigger.kind}</td>
                <td>
                  <Time at={run.requested_at} />
                </td>
                <td>
                  <Time at={run.finished_at} empty="—" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
