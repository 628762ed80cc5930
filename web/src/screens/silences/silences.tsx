import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Silence, Site } from '../../api/types'
import { can } from '../../session/session'
import { ActionButton } from '../../ui/action-button'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { SilenceForm } from './silence-form'

/** `/sites/:siteId/silences`: maintenance windows in which matching alerts are recorded but rules hold off. */
export const SilencesScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="silences">
    {(site) => <Silences site={site} />}
  </SiteFrame>
)

/** Whether a silence holds now, is still to come, ended, or was ended early. */
export const silenceState = (silence: Silence) =>
  silence.deleted_at
    ? 'ended early'
    : silence.active
      ? 'active'
      : Date.parse(silence.ends_at) <= Date.now()
        ? 'expired'
        : silence.recurrence
          ? 'between windows'
          : 'scheduled'

const Silences = ({ site }: { site: Site }) => {
  const path = { siteId: site.id }
  const silences = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/silences', { params: { path, query: { limit: 1000 } } })),
    [site.id],
  )
  const writable = can('operator', site.id) && site.status === 'active'
  const [creating, setCreating] = useState(false)
  const end = useAction()
  return (
    <section aria-label="Silences">
      {writable && !creating && (
        <div class="toolbar">
          <button type="button" class="button button-primary toolbar-end" onClick={() => setCreating(true)}>
            New silence
          </button>
        </div>
      )}
      {creating && (
        <SilenceForm
          site={site}
          onDone={(created) => {
            setCreating(false)
            if (created) silences.reload()
          }}
        />
      )}
      <ErrorNotice error={silences.error ?? end.error} />
      <ListTable
        label="Silences"
        loading="silences"
        items={silences.data?.items}
        rowClass={(s) => (s.active ? 'selected' : undefined)}
        empty={
          <EmptyState title="No silences">
            {writable
              ? 'Silence alerts during maintenance: they are still recorded, and rules leave them alone.'
              : 'An operator creates silences for maintenance windows.'}
          </EmptyState>
        }
        columns={[
          {
            header: 'State',
            cell: (s) => (
              <span class={`status status-${silenceState(s).replace(' ', '_')}`}>{silenceState(s)}</span>
            ),
          },
          {
            header: 'Matchers',
            cell: (s) => (
              <span class="labels">
                {s.matchers.map((m) => (
                  <span class="chip" key={`${m.label}${m.op}${m.value}`}>
                    {m.label}
                    {m.op}
                    {m.value}
                  </span>
                ))}
              </span>
            ),
          },
          {
            header: 'From – until',
            cell: (s) => (
              <>
                <Time at={s.starts_at} /> – <Time at={s.ends_at} />
              </>
            ),
          },
          {
            header: 'Recurs',
            cell: (s) =>
              s.recurrence ? (
                <>
                  <code>{s.recurrence.cron}</code>{' '}
                  <span class="muted small">
                    {s.recurrence.timezone}, {Math.round(s.recurrence.duration_seconds / 60)} min
                  </span>
                </>
              ) : (
                <span class="muted">no</span>
              ),
          },
          { header: 'Comment', cell: (s) => s.comment },
          { header: 'By', cell: (s) => <span class="small">{s.created_by}</span> },
        ]}
        actions={(s) =>
          writable &&
          !s.deleted_at &&
          Date.parse(s.ends_at) > Date.now() && (
            <ActionButton
              danger
              action={end}
              confirm="End this silence now? Alerts it holds become visible to rules again."
              write={async () => {
                await ok(
                  api.DELETE('/v1/sites/{siteId}/silences/{silenceId}', {
                    params: { path: { siteId: site.id, silenceId: s.id } },
                  }),
                )
                silences.reload()
              }}
            >
              End early
            </ActionButton>
          )
        }
      />
    </section>
  )
}
