import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Alert, AlertHistoryEntry, Site } from '../../api/types'
import { Link } from '../../app/router'
import { can } from '../../session/session'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { AlertMarks, Severity } from './alert-marks'

/** `/sites/:siteId/alerts/:alertId`: one alert series, its history, and the runs its rules started. */
export const AlertScreen = ({ siteId, alertId }: { siteId: string; alertId: string }) => (
  <SiteFrame siteId={siteId} tab="alerts" title="Alert">
    {(site) => <AlertView site={site} alertId={alertId} />}
  </SiteFrame>
)

const AlertView = ({ site, alertId }: { site: Site; alertId: string }) => {
  const path = { siteId: site.id, alertId }
  const alert = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/alerts/{alertId}', { params: { path } })),
    [site.id, alertId],
  )
  const history = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/alerts/{alertId}/history', { params: { path } })),
    [site.id, alertId, alert.data],
  )
  const triggers = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/alerts/{alertId}/triggers', { params: { path, query: { limit: 100 } } }),
      ),
    [site.id, alertId, alert.data],
  )
  const rules = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/rules', {
          params: { path: { siteId: site.id }, query: { limit: 1000 } },
        }),
      ),
    [site.id],
  )
  const ruleName = (id: string) => rules.data?.items.find((rule) => rule.id === id)?.name ?? 'a deleted rule'
  if (alert.error) return <ErrorNotice error={alert.error} />
  if (!alert.data) return <Loading what="the alert" />
  const writable = can('operator', site.id) && site.status === 'active'
  return (
    <>
      <AlertSummary site={site} alert={alert.data} writable={writable} onChanged={alert.reload} />
      <div class="panels">
        <section class="card" aria-label="History">
          <h2>History</h2>
          <ErrorNotice error={history.error} />
          {history.data ? <Timeline entries={history.data.items} /> : <Loading what="the history" />}
        </section>
        <section class="card" aria-label="Runs it caused">
          <h2>Runs it caused</h2>
          <ErrorNotice error={triggers.error} />
          <ListTable
            label="Runs it caused"
            loading="the rules' triggers"
            items={triggers.data?.items}
            rowKey={(trigger) => trigger.seq}
            empty={<p class="muted">No rule has matched this alert.</p>}
            columns={[
              {
                header: 'Rule',
                cell: (trigger) => (
                  <>
                    <Link href={`/sites/${site.id}/rules/${trigger.rule_id}`}>
                      {ruleName(trigger.rule_id)}
                    </Link>{' '}
                    <span class="muted small">v{trigger.rule_version}</span>
                  </>
                ),
              },
              { header: 'On', cell: (trigger) => `${trigger.transition} (episode ${trigger.episode})` },
              { header: 'Outcome', cell: (trigger) => <Status value={trigger.outcome} /> },
              {
                header: 'Run',
                cell: (trigger) =>
                  trigger.run_id ? (
                    <>
                      <Link href={`/sites/${site.id}/runs/${trigger.run_id}`}>run</Link>{' '}
                      {trigger.run_status && <Status value={trigger.run_status} />}
                    </>
                  ) : (
                    <span class="small danger-text">{trigger.error ?? '—'}</span>
                  ),
              },
              { header: 'At', cell: (trigger) => <Time at={trigger.at} /> },
            ]}
          />
        </section>
      </div>
    </>
  )
}

const AlertSummary = (props: { site: Site; alert: Alert; writable: boolean; onChanged: () => void }) => {
  const { alert } = props
  const path = { siteId: props.site.id, alertId: alert.id }
  const [note, setNote] = useState('')
  const resolve = useAction()
  const firing = alert.status === 'firing'
  return (
    <section class="card" aria-label={`Alert ${alert.name}`}>
      <div class="page-title-row">
        <h2>
          <Status value={alert.status} /> <Severity value={alert.severity} /> {alert.name}
        </h2>
        {props.writable && firing && (
          <div class="page-actions">
            <button
              type="button"
              class="button"
              disabled={resolve.busy}
              onClick={() => {
                if (
                  confirm(`Resolve “${alert.name}” by hand? The sender firing it again starts a new episode.`)
                )
                  void resolve.run(async () => {
                    await ok(api.POST('/v1/sites/{siteId}/alerts/{alertId}/resolve', { params: { path } }))
                    props.onChanged()
                  })
              }}
            >
              Resolve
            </button>
          </div>
        )}
      </div>
      {alert.summary && <p>{alert.summary}</p>}
      <AlertMarks alert={alert} />
      <dl class="run-facts">
        <Fact term="Labels">
          <Labels labels={alert.labels} />
        </Fact>
        <Fact term="Started">
          <Time at={alert.starts_at} />
        </Fact>
        <Fact term="Ended">
          <Time at={alert.ends_at} empty="still firing" />
          {alert.resolve_reason && <span class="muted"> ({alert.resolve_reason})</span>}
        </Fact>
        <Fact term="Episode">{alert.episode}</Fact>
        <Fact term="Received">
          {alert.receive_count} {alert.receive_count === 1 ? 'time' : 'times'}, last{' '}
          <Time at={alert.last_received_at} />
        </Fact>
        <Fact term="Source">
          <Link href={`/sites/${props.site.id}/integrations/${alert.integration_id}`}>{alert.kind}</Link>
        </Fact>
        <Fact term="Fingerprint">
          <code title={alert.fingerprint_formula}>{alert.fingerprint}</code>
        </Fact>
        {alert.acknowledged && (
          <Fact term="Acknowledged">
            by {alert.acknowledged.by} <Time at={alert.acknowledged.at} />
            {alert.acknowledged.note && <>: “{alert.acknowledged.note}”</>}
          </Fact>
        )}
      </dl>
      {Object.keys(alert.annotations).length > 0 && (
        <>
          <h3 class="small muted">Annotations</h3>
          <dl class="run-facts">
            {Object.entries(alert.annotations).map(([name, value]) => (
              <Fact key={name} term={name}>
                {value}
              </Fact>
            ))}
          </dl>
        </>
      )}
      {alert.links.length > 0 && (
        <>
          <h3 class="small muted">At the sender</h3>
          <ul class="inline-list" aria-label="Links to the sender">
            {alert.links.map((link) => (
              <li key={link.href}>
                <a href={link.href} target="_blank" rel="noopener noreferrer">
                  {link.rel}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      <ErrorNotice error={resolve.error} />
      {props.writable && firing && !alert.acknowledged && (
        <ActionForm
          label="Acknowledge"
          layout="inline"
          card={false}
          submitLabel="Acknowledge"
          submit={async () => {
            await ok(
              api.POST('/v1/sites/{siteId}/alerts/{alertId}/acknowledge', {
                params: { path },
                body: { note },
              }),
            )
            setNote('')
            props.onChanged()
          }}
        >
          <label class="field field-inline">
            <span>Note</span>
            <input
              placeholder="on it, rolling back"
              maxLength={2000}
              value={note}
              onInput={(e) => setNote(e.currentTarget.value)}
            />
          </label>
        </ActionForm>
      )}
    </section>
  )
}

const Fact = (props: { term: string; children: ComponentChildren }) => (
  <div>
    <dt>{props.term}</dt>
    <dd>{props.children}</dd>
  </div>
)

/** `io.sitewire.alert.acknowledged` as `acknowledged`. */
const shortType = (type: string) => type.replace(/^io\.sitewire\.(alert|silence|rule)\./, '')

/** The one line of an event's data worth reading in a timeline. */
const detailOf = (entry: AlertHistoryEntry) => {
  const data = (entry.data ?? {}) as Record<string, unknown>
  if (typeof data.note === 'string' && data.note) return `“${data.note}”`
  if (typeof data.reason === 'string') return `reason: ${data.reason}`
  if (typeof data.silence_id === 'string') return `silence ${data.silence_id}`
  const alert = data.alert as { summary?: string } | undefined
  if (typeof data.episode === 'number' && alert)
    return `episode ${data.episode}${alert.summary ? ` · ${alert.summary}` : ''}`
  return ''
}

/** An alert's events, oldest first, each with who or what caused it. */
const Timeline = ({ entries }: { entries: AlertHistoryEntry[] }) =>
  entries.length === 0 ? (
    <EmptyState title="No history" />
  ) : (
    <ol class="timeline" aria-label="Alert history">
      {entries.map((entry) => (
        <li key={entry.seq}>
          <strong>{shortType(entry.type)}</strong> <Time at={entry.time} />
          <span class="muted small"> · {entry.actor}</span>
          {detailOf(entry) && <div class="small">{detailOf(entry)}</div>}
        </li>
      ))}
    </ol>
  )
