import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Rule, Site } from '../../api/types'
import { Link, navigate } from '../../app/router'
import { can } from '../../session/session'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { BacktestPanel } from './backtest'
import { RuleForm } from './rule-form'
import { actionText } from './rules'

/** `/sites/:siteId/rules/:ruleId`: a rule, its edits, and each time it matched with what came of it. */
export const RuleScreen = ({ siteId, ruleId }: { siteId: string; ruleId: string }) => (
  <SiteFrame siteId={siteId} tab="rules" title="Rule">
    {(site) => <RuleView site={site} ruleId={ruleId} />}
  </SiteFrame>
)

const RuleView = ({ site, ruleId }: { site: Site; ruleId: string }) => {
  const path = { siteId: site.id, ruleId }
  const rule = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/rules/{ruleId}', { params: { path } })),
    [site.id, ruleId],
  )
  const triggers = useLoad(
    () =>
      ok(api.GET('/v1/sites/{siteId}/rules/{ruleId}/triggers', { params: { path, query: { limit: 200 } } })),
    [site.id, ruleId],
  )
  const tasks = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/tasks', {
          params: { path: { siteId: site.id }, query: { limit: 1000 } },
        }),
      ),
    [site.id],
  )
  const versions = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/rules/{ruleId}/versions', { params: { path } })),
    [site.id, ruleId, rule.data?.version],
  )
  const [editing, setEditing] = useState(false)
  const action = useAction()
  if (rule.error) return <ErrorNotice error={rule.error} />
  if (!rule.data) return <Loading what="the rule" />
  const current: Rule = rule.data
  const writable = can('operator', site.id) && site.status === 'active'
  const taskName = (id: string) => tasks.data?.items.find((t) => t.id === id)?.name
  return (
    <>
      <section class="card" aria-label={`Rule ${current.name}`}>
        <div class="page-title-row">
          <h2>
            {current.name} <span class="muted small">version {current.version}</span>
          </h2>
          {writable && !editing && (
            <div class="page-actions">
              <button type="button" class="button" onClick={() => setEditing(true)}>
                Edit
              </button>
              <button
                type="button"
                class="button button-danger"
                disabled={action.busy}
                onClick={() => {
                  if (confirm(`Delete the rule “${current.name}”? Runs it started and its triggers stay.`))
                    void action.run(async () => {
                      await ok(api.DELETE('/v1/sites/{siteId}/rules/{ruleId}', { params: { path } }))
                      navigate(`/sites/${site.id}/rules`)
                    })
                }}
              >
                Delete
              </button>
            </div>
          )}
        </div>
        <ErrorNotice error={action.error} />
        <pre class="json" title="Expression">
          {current.expression}
        </pre>
        <dl class="run-facts">
          <div>
            <dt>When the alert</dt>
            <dd>{current.on.join(', ')}</dd>
          </div>
          <div>
            <dt>Action</dt>
            <dd>
              {current.action.kind === 'run_task' ? (
                <Link href={`/sites/${site.id}/tasks/${current.action.task_id}`}>
                  {actionText(current, taskName)}
                </Link>
              ) : (
                actionText(current)
              )}
            </dd>
          </div>
          {current.action.kind === 'run_task' && Object.keys(current.action.params).length > 0 && (
            <div>
              <dt>Parameters</dt>
              <dd>
                {Object.entries(current.action.params).map(([k, v]) => (
                  <code key={k} class="chip">
                    {k}={String(v)}
                  </code>
                ))}
              </dd>
            </div>
          )}
          <div>
            <dt>Throttle</dt>
            <dd>
              once per {current.throttle.rule_seconds} s · per alert once per{' '}
              {current.throttle.fingerprint_seconds} s
            </dd>
          </div>
          <div>
            <dt>State</dt>
            <dd>{current.enabled ? 'enabled' : 'disabled'}</dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>
              <Time at={current.updated_at} />
            </dd>
          </div>
        </dl>
      </section>
      {editing && (
        <RuleForm
          key={current.version}
          site={site}
          rule={current}
          onSaved={() => {
            setEditing(false)
            rule.reload()
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <BacktestPanel key={`backtest-${current.version}`} site={site} rule={current} />
      <section class="card" aria-label="Versions">
        <h2>Versions</h2>
        <ErrorNotice error={versions.error} />
        <ListTable
          label="Versions"
          loading="versions"
          items={versions.data?.items}
          rowKey={(v) => v.version}
          columns={[
            { header: 'Version', cell: (v) => v.version },
            { header: 'Saved', cell: (v) => <Time at={v.saved_at} /> },
            { header: 'By', cell: (v) => v.saved_by },
            { header: 'Expression', cell: (v) => <code>{v.definition.expression}</code> },
            {
              header: 'Definition',
              cell: (v) => (
                <details>
                  <summary>show</summary>
                  <pre class="json">{JSON.stringify(v.definition, null, 2)}</pre>
                </details>
              ),
            },
          ]}
        />
      </section>
      <section class="card" aria-label="Triggers">
        <h2>Triggers</h2>
        <ErrorNotice error={triggers.error} />
        <ListTable
          label="Triggers"
          loading="triggers"
          items={triggers.data?.items}
          rowKey={(t) => t.seq}
          empty={<p class="muted">The rule has not matched an alert yet.</p>}
          columns={[
            { header: 'At', cell: (t) => <Time at={t.at} /> },
            {
              header: 'Alert',
              cell: (t) => (
                <Link href={`/sites/${site.id}/alerts/${t.alert_id}`}>
                  {t.transition}, episode {t.episode}
                </Link>
              ),
            },
            { header: 'Version', cell: (t) => t.rule_version },
            { header: 'Outcome', cell: (t) => <Status value={t.outcome} /> },
            {
              header: 'Run',
              cell: (t) =>
                t.run_id ? (
                  <>
                    <Link href={`/sites/${site.id}/runs/${t.run_id}`}>run</Link>{' '}
                    {t.run_status && <Status value={t.run_status} />}
                  </>
                ) : (
                  <span class="muted">—</span>
                ),
            },
            {
              header: 'Error',
              cell: (t) => (t.error ? <span class="small danger-text">{t.error}</span> : ''),
            },
          ]}
        />
      </section>
    </>
  )
}
