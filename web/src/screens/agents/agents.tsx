import { useMemo, useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Agent, Site } from '../../api/types'
import { Link, queryParam, setQuery } from '../../app/router'
import { can } from '../../session/session'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { AgentDetails } from './agent-details'
import { loadAgents } from './load-agents'

/** `/sites/:siteId`: the site's agents, filtered by label on the server and by facts here. */
export const AgentsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="agents">
    {(site) => <AgentList site={site} />}
  </SiteFrame>
)

const ROW_HEIGHT = 44

/** Whether an agent's facts or name contain every word typed in the fact filter. */
const matchesFacts = (agent: Agent, words: string[]) => {
  const f = agent.facts
  const haystack = [
    agent.hostname,
    agent.version ?? '',
    f.os?.family,
    f.os?.distribution,
    f.os?.version,
    f.arch,
    f.kernel,
    ...(f.ip_addresses ?? []),
  ]
    .join(' ')
    .toLowerCase()
  return words.every((word) => haystack.includes(word))
}

const AgentList = ({ site }: { site: Site }) => {
  const label = queryParam('label')
  const status = queryParam('status')
  const facts = queryParam('facts')
  const selected = queryParam('agent')
  const agents = useLoad(() => loadAgents(site.id, { label, status }), [site.id, label, status])
  const [labelDraft, setLabelDraft] = useState(label)
  const words = facts.toLowerCase().split(/\s+/).filter(Boolean)
  const shown = useMemo(
    () => (agents.data ?? []).filter((agent) => matchesFacts(agent, words)),
    [agents.data, facts],
  )
  const online = shown.filter((a) => a.presence === 'online').length
  const operator = can('operator', site.id)
  const refresh = useAction()
  const [asked, setAsked] = useState<number | null>(null)
  const decide = async (agent: Agent, decision: 'approve' | 'reject' | 'revoke') => {
    const params = { path: { siteId: site.id, agentId: agent.id } }
    if (decision === 'approve')
      await ok(api.POST('/v1/sites/{siteId}/agents/{agentId}/approve', { params, body: {} }))
    if (decision === 'reject')
      await ok(api.POST('/v1/sites/{siteId}/agents/{agentId}/reject', { params, body: {} }))
    if (decision === 'revoke')
      await ok(api.POST('/v1/sites/{siteId}/agents/{agentId}/revoke', { params, body: {} }))
    agents.reload()
  }
  const detail = agents.data?.find((a) => a.id === selected)
  return (
    <section aria-label="Agents">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery({ label: labelDraft.trim() || undefined }, { push: true })
        }}
      >
        <label class="field field-inline">
          <span>Label</span>
          <input
            name="label"
            placeholder="role=web"
            value={labelDraft}
            onInput={(e) => setLabelDraft(e.currentTarget.value)}
          />
        </label>
        <label class="field field-inline">
          <span>Facts</span>
          <input
            type="search"
            name="facts"
            placeholder="linux x86_64 10.0.0.5"
            value={facts}
            onInput={(e) => setQuery({ facts: e.currentTarget.value || undefined })}
          />
        </label>
        <label class="field field-inline">
          <span>Status</span>
          <select value={status} onChange={(e) => setQuery({ status: e.currentTarget.value || undefined })}>
            <option value="">any</option>
            <option value="pending">pending</option>
            <option value="approved">approved</option>
            <option value="rejected">rejected</option>
            <option value="revoked">revoked</option>
          </select>
        </label>
        <button type="submit" class="button">
          Filter
        </button>
        <span class="muted" role="status">
          {shown.length} agents · {online} online
        </span>
        {operator && (
          <button
            type="button"
            class="button toolbar-end"
            disabled={refresh.busy}
            onClick={async () => {
              const answer = await refresh.run(() =>
                ok(
                  api.POST('/v1/sites/{siteId}/agents/refresh-facts', {
                    params: { path: { siteId: site.id } },
                  }),
                ),
              )
              if (!answer) return
              setAsked(answer.agents)
              // Connected agents answer within a moment; the list is read again then.
              setTimeout(agents.reload, 2000)
            }}
          >
            Refresh facts
          </button>
        )}
      </form>
      {asked !== null && (
        <p class="notice notice-info" role="status">
          Asked {asked} connected {asked === 1 ? 'agent' : 'agents'} for their complete facts.
        </p>
      )}
      <ErrorNotice error={agents.error ?? refresh.error} />
      <ListTable
        label="Agents"
        loading="agents"
        items={agents.loading && !agents.data ? undefined : shown}
        empty={
          agents.data?.length === 0 && !label && !status ? (
            <EmptyState title="No agents have enrolled yet">
              Create an enrolment token on the <Link href={`/sites/${site.id}/enrolment`}>Enrolment</Link> tab
              and run the command it shows on each server.
            </EmptyState>
          ) : (
            <EmptyState title="No agent matches these filters">Clear a filter to see more agents.</EmptyState>
          )
        }
        virtual={{ rowHeight: ROW_HEIGHT, maxHeight: 560 }}
        class="agents-table"
        rowClass={(agent) => (agent.id === selected ? 'selected' : undefined)}
        columns={[
          {
            header: 'Host',
            cell: (agent) => (
              <button type="button" class="link-button" onClick={() => setQuery({ agent: agent.id })}>
                {agent.hostname}
              </button>
            ),
          },
          { header: 'Presence', cell: (agent) => <Status value={agent.presence} /> },
          { header: 'Status', cell: (agent) => <Status value={agent.status} /> },
          {
            header: 'OS',
            cell: (agent) =>
              [agent.facts.os?.distribution ?? agent.facts.os?.family, agent.facts.arch]
                .filter(Boolean)
                .join(' · '),
          },
          { header: 'Version', cell: (agent) => agent.version ?? '—' },
          { header: 'Labels', cell: (agent) => <Labels labels={agent.labels} /> },
          { header: 'Last seen', cell: (agent) => <Time at={agent.last_seen_at} empty="never" /> },
        ]}
        actions={(agent) => (
          <>
            {operator && agent.status === 'pending' && (
              <>
                <button
                  type="button"
                  class="button button-small"
                  onClick={() => void decide(agent, 'approve')}
                >
                  Approve
                </button>
                <button
                  type="button"
                  class="button button-small"
                  onClick={() => void decide(agent, 'reject')}
                >
                  Reject
                </button>
              </>
            )}
            {operator && agent.status === 'approved' && (
              <button
                type="button"
                class="button button-small button-danger"
                onClick={() => void decide(agent, 'revoke')}
              >
                Revoke
              </button>
            )}
          </>
        )}
      />
      {detail && <AgentDetails agent={detail} onClose={() => setQuery({ agent: undefined })} />}
    </section>
  )
}
