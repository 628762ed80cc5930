import { diffLines } from 'diff'
import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { Link, queryParam, setQuery } from '../../app/router'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

/** `/sites/:siteId/tasks/:taskId/history`: every version of a task, and what changed between two. */
export const TaskHistoryScreen = ({ siteId, taskId }: { siteId: string; taskId: string }) => (
  <SiteFrame siteId={siteId} tab="tasks" title="Task history">
    {(site) => <History site={site} taskId={taskId} />}
  </SiteFrame>
)

const History = ({ site, taskId }: { site: Site; taskId: string }) => {
  const versions = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/tasks/{taskId}/versions', {
          params: { path: { siteId: site.id, taskId } },
        }),
      ),
    [site.id, taskId],
  )
  if (versions.error) return <ErrorNotice error={versions.error} />
  if (!versions.data) return <Loading what="versions" />
  const all = [...versions.data.items].sort((a, b) => b.version - a.version)
  const newest = all[0]?.version ?? 1
  const to = Number(queryParam('to')) || newest
  const from = Number(queryParam('from')) || Math.max(1, to - 1)
  const left = all.find((v) => v.version === from)
  const right = all.find((v) => v.version === to)
  const pick = (name: 'from' | 'to') => (
    <label class="field field-inline">
      <span>{name === 'from' ? 'Compare' : 'with'}</span>
      <select
        value={String(name === 'from' ? from : to)}
        onChange={(e) => setQuery({ [name]: e.currentTarget.value })}
      >
        {all.map((v) => (
          <option key={v.version} value={v.version}>
            version {v.version}
          </option>
        ))}
      </select>
    </label>
  )
  return (
    <>
      <p>
        <Link href={`/sites/${site.id}/tasks/${taskId}`}>Back to the task</Link>
      </p>
      <ListTable
        label="Versions"
        loading="versions"
        items={all}
        rowKey={(v) => v.version}
        columns={[
          { header: 'Version', cell: (v) => `v${v.version}` },
          { header: 'Name', cell: (v) => v.definition.name },
          { header: 'Steps', cell: (v) => v.definition.steps.length },
          { header: 'By', cell: (v) => v.created_by, class: 'muted' },
          { header: 'Saved', cell: (v) => <Time at={v.created_at} /> },
        ]}
      />
      <section class="card" aria-label="Changes">
        <div class="toolbar">
          <h2>Changes</h2>
          {pick('from')}
          {pick('to')}
        </div>
        {all.length < 2 ? (
          <EmptyState title="Only one version so far">
            Each save of the task adds a version to compare.
          </EmptyState>
        ) : (
          left &&
          right && (
            <Diff
              before={JSON.stringify(left.definition, null, 2)}
              after={JSON.stringify(right.definition, null, 2)}
            />
          )
        )}
      </section>
    </>
  )
}

/** A line diff of two texts: removed lines red, added green, the rest as context. */
const Diff = ({ before, after }: { before: string; after: string }) => {
  const parts = diffLines(before, after)
  return (
    <section aria-label="Diff">
      <pre class="diff">
        {parts.flatMap((part, i) =>
          part.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => {
              const kind = part.added ? 'added' : part.removed ? 'removed' : 'same'
              const mark = part.added ? '+' : part.removed ? '-' : ' '
              return (
                <div key={`${i}.${j}`} class={`diff-${kind}`}>
                  {mark} {line}
                </div>
              )
            }),
        )}
      </pre>
    </section>
  )
}
