import { useState } from 'preact/hooks'
import type { Site } from '../../api/types'
import { queryParam, setQuery } from '../../app/router'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { SiteFrame } from '../site/site-frame'
import { type LoggedEvent, useEventLog } from './use-event-log'

const ROW_HEIGHT = 40

/** `/sites/:siteId/events`: the site's CloudEvents log, filtered by type, followed live. */
export const EventsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="events">
    {(site) => <EventLog site={site} />}
  </SiteFrame>
)

const EventLog = ({ site }: { site: Site }) => {
  const type = queryParam('type')
  const follow = queryParam('follow') === '1'
  const [draft, setDraft] = useState(type)
  const log = useEventLog(site.id, type, follow)
  const [open, setOpen] = useState<LoggedEvent | null>(null)
  const newestFirst = [...log.events].reverse()
  return (
    <section aria-label="Event log">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery({ type: draft.trim() || undefined })
        }}
      >
        <label class="field field-inline">
          <span>Type</span>
          <input
            class="mono"
            placeholder="io.sitewire.run.finished"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button">
          Filter
        </button>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => setQuery({ follow: e.currentTarget.checked ? '1' : undefined })}
          />
          Follow live
        </label>
        <span class="muted toolbar-end" role="status">
          {log.events.length} events{follow ? ' · following' : ''}
        </span>
      </form>
      <ErrorNotice error={log.error} />
      <ListTable
        label="Events"
        loading="the log"
        items={log.loading ? undefined : newestFirst}
        empty={
          <EmptyState title={type ? `No ${type} events` : 'The log is empty'}>
            {follow
              ? 'New events appear here as they are appended.'
              : 'Tick “Follow live” to see events as they are appended.'}
          </EmptyState>
        }
        virtual={{ rowHeight: ROW_HEIGHT, maxHeight: 520 }}
        class="events-table"
        rowKey={(event) => event.seq}
        rowClass={(event) => (open?.seq === event.seq ? 'selected' : undefined)}
        columns={[
          { header: 'Seq', cell: (event) => event.seq },
          { header: 'Time', cell: (event) => <Time at={event.time} /> },
          {
            header: 'Type',
            cell: (event) => (
              <button type="button" class="link-button mono" onClick={() => setOpen(event)}>
                {event.type}
              </button>
            ),
          },
          { header: 'Subject', cell: (event) => event.subject ?? '—', class: 'mono' },
          { header: 'Source', cell: (event) => event.source, class: 'mono muted' },
        ]}
      />
      {open && (
        <section class="card" aria-label={`Event ${open.seq}`}>
          <div class="page-title-row">
            <h2 class="mono">
              #{open.seq} {open.type}
            </h2>
            <button type="button" class="button button-small" onClick={() => setOpen(null)}>
              Close
            </button>
          </div>
          <pre class="json">{JSON.stringify(open, null, 2)}</pre>
        </section>
      )}
    </section>
  )
}
