import { api, ok } from '../../api/client'
import type { Item, Site } from '../../api/types'
import { Link } from '../../app/router'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

type Resource = Item<'/v1/sites/{siteId}/resources'>
type Consumer = Item<'/v1/sites/{siteId}/consumers'>

/** `/sites/:siteId/resources`: what the site's agents keep true, and what they last reported. */
export const ResourcesScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="resources">
    {(site) => <Resources site={site} />}
  </SiteFrame>
)

/** Each agent's conditions, `Applied ✓`-style, with the reason when one is not true. */
const conditionsText = (resource: Resource) =>
  resource.status.length === 0
    ? 'no report yet'
    : resource.status
        .map((status) =>
          status.conditions
            .map((c) => (c.status === 'True' ? `${c.type} ✓` : `${c.type} ✗ ${c.reason}`))
            .join(', '),
        )
        .join(' · ')

const consumerTarget = (consumer: Consumer) =>
  consumer.agent_id
    ? `agent ${consumer.agent_id}`
    : Object.entries(consumer.selector ?? { consumer: consumer.name })
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')

const Resources = ({ site }: { site: Site }) => {
  const path = { siteId: site.id }
  const resources = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/resources', { params: { path, query: { limit: 1000 } } })),
    [site.id],
  )
  const consumers = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/consumers', { params: { path, query: { limit: 1000 } } })),
    [site.id],
  )
  return (
    <>
      <section aria-label="Resources">
        <ErrorNotice error={resources.error} />
        <ListTable
          label="Resources"
          loading="resources"
          items={resources.data?.items}
          empty={
            <EmptyState title="No resources">
              Resources are files, directories, processes and checks a consumer’s agents keep true; create
              them with the API or `sitewire resources apply -f`.
            </EmptyState>
          }
          columns={[
            {
              header: 'Name',
              cell: (r) => <Link href={`/sites/${site.id}/resources/${r.id}`}>{r.name}</Link>,
            },
            { header: 'Consumer', cell: (r) => r.consumer_name },
            { header: 'Kind', cell: (r) => r.manifest.kind },
            { header: 'Version', cell: (r) => r.version },
            { header: 'Status', cell: (r) => (r.deleting ? 'deleting' : conditionsText(r)) },
            { header: 'Feedback', cell: (r) => <code>{JSON.stringify(r.status[0]?.feedback ?? {})}</code> },
            { header: 'Updated', cell: (r) => <Time at={r.updated_at} /> },
          ]}
        />
      </section>
      <section aria-label="Consumers">
        <ErrorNotice error={consumers.error} />
        <ListTable
          label="Consumers"
          loading="consumers"
          items={consumers.data?.items}
          empty={
            <EmptyState title="No consumers">A consumer names the agents that receive resources.</EmptyState>
          }
          columns={[
            { header: 'Consumer', cell: (c) => c.name },
            { header: 'Agents', cell: consumerTarget },
            { header: 'Created', cell: (c) => <Time at={c.created_at} /> },
          ]}
        />
      </section>
    </>
  )
}
