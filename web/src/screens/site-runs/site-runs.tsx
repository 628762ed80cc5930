import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { Link, queryParam, setQuery } from '../../app/router'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { type RunStatus, RunStatusFilter, RunTable, runColumns } from '../../ui/run-list'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

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
        <RunStatusFilter
          inline
          value={status}
          onChange={(value) => setQuery({ status: value || undefined })}
        />
      </div>
      <ErrorNotice error={runs.error} />
      <RunTable
        runs={runs.data?.items}
        empty={
          <EmptyState title="No runs">
            Open a task on the <Link href={`/sites/${site.id}/tasks`}>Tasks</Link> tab and run it.
          </EmptyState>
        }
        columns={[
          runColumns.task,
          runColumns.status,
          {
            header: 'Agents',
            cell: (run) => `${run.agents.succeeded} ok · ${run.agents.failed} failed`,
          },
          runColumns.trigger,
          runColumns.requested,
          runColumns.finished,
        ]}
      />
    </section>
  )
}
