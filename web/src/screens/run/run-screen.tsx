import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { RunDetail, Site } from '../../api/types'
import { Link, navigate, queryParam, setQuery } from '../../app/router'
import { can } from '../../session/session'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { bytes, Status, Time } from '../../ui/format'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { loadAgents } from '../agents/load-agents'
import { SiteFrame } from '../site/site-frame'
import { OutputView } from './output-view'
import { useRunOutput } from './use-run-output'

const FINISHED = new Set(['succeeded', 'failed', 'cancelled', 'skipped'])

/** `/sites/:siteId/runs/:runId`: one run's agents, its live output, and what can be done with it. */
export const RunScreen = ({ siteId, runId }: { siteId: string; runId: string }) => (
  <SiteFrame siteId={siteId} tab="runs" title="Run">
    {(site) => <RunView site={site} runId={runId} />}
  </SiteFrame>
)

const RunView = ({ site, runId }: { site: Site; runId: string }) => {
  const path = { siteId: site.id, runId }
  const run = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/runs/{runId}', { params: { path } })),
    [site.id, runId],
  )
  const agents = useLoad(() => loadAgents(site.id, { label: '', status: '' }), [site.id])
  const output = useRunOutput(site.id, runId, run.reload)
  const finished = run.data ? FINISHED.has(run.data.status) : false
  const settled = finished && Boolean(run.data?.archive)
  // Step events reload the run as they come; a slow poll covers states that send none (queued,
  // scheduled) and the archive, which lands a moment after the run ends and its stream closes.
  useEffect(() => {
    if (settled) return
    const timer = setInterval(run.reload, 3000)
    return () => clearInterval(timer)
  }, [settled, run.reload])
  const hostnames = useMemo(() => new Map((agents.data ?? []).map((a) => [a.id, a.hostname])), [agents.data])
  const selected = queryParam('agent') || null
  if (run.error) return <ErrorNotice error={run.error} />
  if (!run.data) return <Loading what="the run" />
  return (
    <>
      <RunSummary site={site} run={run.data} onChanged={run.reload} />
      <section aria-label="Agents of the run">
        <h2>Agents</h2>
        <div class="agent-grid">
          <button
            type="button"
            class="agent-tile"
            aria-pressed={!selected}
            onClick={() => setQuery({ agent: undefined })}
          >
            <strong>All agents</strong>
            <span class="muted">{run.data.targets.length} targeted</span>
          </button>
          {run.data.targets.map((target) => (
            <button
              type="button"
              key={target.agent_id}
              class={`agent-tile tile-${target.state}`}
              aria-pressed={selected === target.agent_id}
              onClick={() => setQuery({ agent: target.agent_id })}
            >
              <strong>{hostnames.get(target.agent_id) ?? target.agent_id}</strong>
              <Status value={target.state} />
              <span class="muted small">
                step {target.step + 1}
                {target.attempt > 1 ? `, attempt ${target.attempt}` : ''}
              </span>
            </button>
          ))}
        </div>
      </section>
      <ArchivedOutput run={run.data} live={output} />
      <OutputView
        lines={output.buffer.lines}
        version={output.buffer.version}
        agentId={selected}
        hostnames={hostnames}
      />
    </>
  )
}

/** When the run's output has left the log for its archive, offers to read it from there. */
const ArchivedOutput = ({ run, live }: { run: RunDetail; live: ReturnType<typeof useRunOutput> }) => {
  const [opened, setOpened] = useState(false)
  const action = useAction()
  const download =
    live.archived?.download ?? (run.archive ? `/v1/sites/${run.site_id}/runs/${run.id}/archive` : null)
  if (!download || opened) return <ErrorNotice error={action.error} />
  return (
    <div class="notice notice-info">
      <p>This run’s output is archived{run.archive ? ` (${bytes(run.archive.bytes)})` : ''}.</p>
      <button
        type="button"
        class="button button-small"
        disabled={action.busy}
        onClick={async () => {
          const shown = await action.run(async () => {
            await live.showArchived(download)
            return true
          })
          if (shown) setOpened(true)
        }}
      >
        {action.busy ? 'Opening…' : 'Open the archive'}
      </button>
      <ErrorNotice error={action.error} />
    </div>
  )
}

const RunSummary = ({ site, run, onChanged }: { site: Site; run: RunDetail; onChanged: () => void }) => {
  const action = useAction()
  const operator = can('operator', site.id)
  const path = { siteId: site.id, runId: run.id }
  const finished = FINISHED.has(run.status)
  const failedAgents = run.agents.failed + run.agents.cancelled
  return (
    <section class="card run-summary" aria-label="Run summary">
      <div class="page-title-row">
        <h2>
          <Link href={`/sites/${site.id}/tasks/${run.task_id}`}>{run.task_name}</Link>{' '}
          <span class="muted">v{run.task_version}</span> <Status value={run.status} />
        </h2>
        <div class="page-actions">
          {operator && !finished && (
            <button
              type="button"
              class="button button-danger"
              disabled={action.busy || run.cancel_requested}
              onClick={() =>
                void action.run(async () => {
                  await ok(api.POST('/v1/sites/{siteId}/runs/{runId}/cancel', { params: { path } }))
                  onChanged()
                })
              }
            >
              {run.cancel_requested ? 'Cancelling…' : 'Cancel run'}
            </button>
          )}
          {operator && finished && failedAgents > 0 && (
            <button
              type="button"
              class="button"
              disabled={action.busy}
              onClick={async () => {
                const again = await action.run(() =>
                  ok(
                    api.POST('/v1/sites/{siteId}/runs/{runId}/rerun', {
                      params: { path },
                      body: { agents: 'failed' },
                    }),
                  ),
                )
                if (again) navigate(`/sites/${site.id}/runs/${again.id}`)
              }}
            >
              Re-run failed agents
            </button>
          )}
          {run.archive && !run.archive.deleted_at && (
            <a class="button" href={`/v1/sites/${site.id}/runs/${run.id}/archive`} download>
              Download archive (.tar.gz)
            </a>
          )}
        </div>
      </div>
      <dl class="run-facts">
        <div>
          <dt>Requested</dt>
          <dd>
            <Time at={run.requested_at} />
          </dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>
            <Time at={run.finished_at} empty="not yet" />
          </dd>
        </div>
        <div>
          <dt>Agents</dt>
          <dd>
            {run.agents.succeeded} succeeded · {run.agents.failed} failed · {run.agents.running} running ·{' '}
            {run.agents.waiting} waiting
          </dd>
        </div>
        <div>
          <dt>Strategy</dt>
          <dd>
            {run.strategy.mode === 'parallel'
              ? `parallel, ${run.strategy.concurrency} at once`
              : `rolling, batches of ${run.strategy.batch}`}{' '}
            · on failure {run.failure.policy}
          </dd>
        </div>
        {run.reason && (
          <div>
            <dt>Reason</dt>
            <dd>{run.reason}</dd>
          </div>
        )}
      </dl>
      <ErrorNotice error={action.error} />
    </section>
  )
}
