import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { can } from '../../session/session'
import { ActionButton } from '../../ui/action-button'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

/** `/sites/:siteId/rollouts`: upgrades of the site's agents to a build, and where each agent stands. */
export const RolloutsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="rollouts">
    {(site) => <Rollouts site={site} />}
  </SiteFrame>
)

const CONTROLS = {
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
} as const

const Rollouts = ({ site }: { site: Site }) => {
  const rollouts = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/agent-rollouts', {
          params: { path: { siteId: site.id }, query: { limit: 100 } },
        }),
      ),
    [site.id],
  )
  const control = useAction()
  const writable = can('operator', site.id) && site.status === 'active'
  const items = rollouts.data?.items.slice().reverse()
  return (
    <section aria-label="Rollouts">
      <ErrorNotice error={rollouts.error ?? control.error} />
      {items?.length === 0 && (
        <EmptyState title="No rollouts">
          Upload a signed agent build, then roll it out: sitewire rollouts start BUILD --batch-size 5
        </EmptyState>
      )}
      {items?.map((rollout) => (
        <article class="card" key={rollout.id} aria-label={`Rollout of ${rollout.build.version}`}>
          <header>
            <h3>
              {rollout.build.version} <span class={`status status-${rollout.status}`}>{rollout.status}</span>
            </h3>
            <p>
              Batch {rollout.batch}, {rollout.batch_size} at a time · {rollout.counts.upgraded} upgraded,{' '}
              {rollout.counts.failed} failed (budget {rollout.failure_budget}),{' '}
              {rollout.counts.waiting + rollout.counts.upgrading} to go · started{' '}
              <Time at={rollout.created_at} />
              {rollout.reason && <> · {rollout.reason}</>}
            </p>
            {writable &&
              (CONTROLS[rollout.status as keyof typeof CONTROLS] ?? []).map((action) => (
                <ActionButton
                  key={action}
                  action={control}
                  danger={action === 'cancel'}
                  confirm={
                    action === 'cancel' ? `Cancel the rollout of ${rollout.build.version}?` : undefined
                  }
                  write={async () => {
                    await ok(
                      api.POST(`/v1/sites/{siteId}/agent-rollouts/{rolloutId}/${action}`, {
                        params: { path: { siteId: site.id, rolloutId: rollout.id } },
                      }),
                    )
                    rollouts.reload()
                  }}
                >
                  {action[0]?.toUpperCase()}
                  {action.slice(1)}
                </ActionButton>
              ))}
          </header>
          <ListTable
            label={`Agents of the rollout of ${rollout.build.version}`}
            loading="agents"
            items={rollout.agents}
            rowKey={(agent) => agent.agent_id}
            columns={[
              {
                header: 'Agent',
                cell: (agent) => <code>{agent.agent_id}</code>,
              },
              { header: 'State', cell: (agent) => agent.state },
              { header: 'Batch', cell: (agent) => agent.batch ?? '' },
              { header: 'Reason', cell: (agent) => agent.reason ?? '' },
            ]}
          />
        </article>
      ))}
    </section>
  )
}
