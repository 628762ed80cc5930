import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Labels, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

/** `/sites/:siteId/resources/:resourceId`: a resource, what each agent reports, and every report (drift repairs too). */
export const ResourceScreen = ({ siteId, resourceId }: { siteId: string; resourceId: string }) => (
  <SiteFrame siteId={siteId} tab="resources" title="Resource">
    {(site) => <ResourceView site={site} resourceId={resourceId} />}
  </SiteFrame>
)

const conditions = (list: { type: string; status: string; reason: string }[]) =>
  list.map((c) => (c.status === 'True' ? `${c.type} ✓ ${c.reason}` : `${c.type} ✗ ${c.reason}`)).join(', ')

const ResourceView = ({ site, resourceId }: { site: Site; resourceId: string }) => {
  const path = { siteId: site.id, resourceId }
  const resource = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/resources/{resourceId}', { params: { path } })),
    [site.id, resourceId],
  )
  const history = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/resources/{resourceId}/status-history', {
          params: { path, query: { limit: 200 } },
        }),
      ),
    [site.id, resourceId],
  )
  if (resource.error) return <ErrorNotice error={resource.error} />
  if (!resource.data) return <Loading what="the resource" />
  const current = resource.data
  return (
    <>
      <section class="card" aria-label={`Resource ${current.name}`}>
        <h2>
          {current.name} <span class="muted small">version {current.version}</span>
        </h2>
        <p>
          {current.manifest.kind} for consumer {current.consumer_name}; {current.update_strategy},{' '}
          {current.delete_option} on delete{current.deleting ? ' — deleting' : ''}
        </p>
        <Labels labels={current.labels} />
        <pre>
          <code>{JSON.stringify(current.manifest, null, 2)}</code>
        </pre>
      </section>
      <section aria-label="Agents">
        <ListTable
          label="Agents"
          loading="agents"
          items={current.status}
          rowKey={(status) => status.agent_id}
          empty={
            <EmptyState title="No report yet">The consumer’s agents report once they applied it.</EmptyState>
          }
          columns={[
            { header: 'Agent', cell: (s) => s.agent_id },
            { header: 'Observed version', cell: (s) => s.observed_version },
            { header: 'Conditions', cell: (s) => conditions(s.conditions) },
            { header: 'Feedback', cell: (s) => <code>{JSON.stringify(s.feedback)}</code> },
            { header: 'Reported', cell: (s) => <Time at={s.reported_at} /> },
          ]}
        />
      </section>
      <section aria-label="Status history">
        <ErrorNotice error={history.error} />
        <ListTable
          label="Status history"
          loading="the status history"
          items={history.data?.items}
          rowKey={(entry) => String(entry.seq)}
          empty={
            <EmptyState title="No reports">
              Every change an agent reports shows here, drift repairs too.
            </EmptyState>
          }
          columns={[
            { header: 'Reported', cell: (e) => <Time at={e.reported_at} /> },
            { header: 'Agent', cell: (e) => e.agent_id },
            { header: 'Version', cell: (e) => e.observed_version },
            {
              header: 'Conditions',
              cell: (e) => (e.deleted ? 'removed from the host' : conditions(e.conditions)),
            },
            { header: 'Feedback', cell: (e) => <code>{JSON.stringify(e.feedback)}</code> },
          ]}
        />
      </section>
    </>
  )
}
