import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { Link, queryParam, setQuery } from '../../app/router'
import { can } from '../../session/session'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Labels, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

/** `/sites/:siteId/tasks`: the site's tasks, searched by name on the platform. */
export const TasksScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="tasks">
    {(site) => <TaskList site={site} />}
  </SiteFrame>
)

const TaskList = ({ site }: { site: Site }) => {
  const q = queryParam('q')
  const [draft, setDraft] = useState(q)
  const tasks = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/tasks', {
          params: { path: { siteId: site.id }, query: { q: q || undefined, limit: 1000 } },
        }),
      ),
    [site.id, q],
  )
  const writable = can('operator', site.id) && site.status === 'active'
  return (
    <section aria-label="Tasks">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery({ q: draft.trim() || undefined })
        }}
      >
        <label class="field field-inline">
          <span>Search</span>
          <input
            type="search"
            name="q"
            placeholder="part of a name"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="button">
          Search
        </button>
        {writable && (
          <Link class="button button-primary toolbar-end" href={`/sites/${site.id}/tasks/new`}>
            New task
          </Link>
        )}
      </form>
      <ErrorNotice error={tasks.error} />
      <ListTable
        label="Tasks"
        loading="tasks"
        items={tasks.data?.items}
        empty={
          <EmptyState title={q ? `No task matches “${q}”` : 'No tasks yet'}>
            {q
              ? 'Search for another name.'
              : writable
                ? 'Create a task: steps to run on agents, with typed parameters.'
                : 'An operator writes the tasks.'}
          </EmptyState>
        }
        columns={[
          {
            header: 'Name',
            cell: (task) => (
              <>
                <Link href={`/sites/${site.id}/tasks/${task.id}`}>{task.name}</Link>
                {task.description && <div class="muted small">{task.description}</div>}
              </>
            ),
          },
          {
            header: 'Steps',
            cell: (task) =>
              task.steps.map((s) => (s.kind === 'file' ? `file ${s.direction}` : s.kind)).join(', '),
          },
          { header: 'Version', cell: (task) => `v${task.version}` },
          { header: 'Labels', cell: (task) => <Labels labels={task.labels} /> },
          { header: 'Changed', cell: (task) => <Time at={task.updated_at} /> },
        ]}
      />
    </section>
  )
}
