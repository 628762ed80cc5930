import type { ComponentChildren } from 'preact'
import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { Link } from '../../app/router'
import { can } from '../../session/session'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { Status } from '../../ui/format'
import { PageHeader } from '../../ui/page'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'

export type SiteTab =
  | 'agents'
  | 'enrolment'
  | 'tasks'
  | 'runs'
  | 'schedules'
  | 'files'
  | 'alerts'
  | 'integrations'
  | 'silences'
  | 'rules'
  | 'resources'
  | 'rollouts'
  | 'events'
  | 'settings'

const TABS: { tab: SiteTab; label: string; path: string }[] = [
  { tab: 'agents', label: 'Agents', path: '' },
  { tab: 'enrolment', label: 'Enrolment', path: '/enrolment' },
  { tab: 'tasks', label: 'Tasks', path: '/tasks' },
  { tab: 'runs', label: 'Runs', path: '/runs' },
  { tab: 'schedules', label: 'Schedules', path: '/schedules' },
  { tab: 'files', label: 'Files', path: '/files' },
  { tab: 'alerts', label: 'Alerts', path: '/alerts' },
  { tab: 'rules', label: 'Rules', path: '/rules' },
  { tab: 'silences', label: 'Silences', path: '/silences' },
  { tab: 'integrations', label: 'Integrations', path: '/integrations' },
  { tab: 'resources', label: 'Resources', path: '/resources' },
  { tab: 'rollouts', label: 'Rollouts', path: '/rollouts' },
  { tab: 'events', label: 'Event log', path: '/events' },
  { tab: 'settings', label: 'Settings', path: '/settings' },
]

/** A site's header (name, state, archive or restore) and its tabs, around one tab's content. */
export const SiteFrame = (props: {
  siteId: string
  tab: SiteTab
  title?: string
  /** Gets the site, and a way to load it again once it changed. */
  children: (site: Site, reload: () => void) => ComponentChildren
}) => {
  const site = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}', { params: { path: { siteId: props.siteId } } })),
    [props.siteId],
  )
  const action = useAction()
  if (site.error) return <ErrorNotice error={site.error} />
  if (!site.data) return <Loading what="the site" />
  const current = site.data
  const archived = current.status === 'archived'
  const toggle = () =>
    action.run(async () => {
      const path = { siteId: current.id }
      await ok(
        archived
          ? api.POST('/v1/sites/{siteId}/restore', { params: { path } })
          : api.POST('/v1/sites/{siteId}/archive', { params: { path }, body: {} }),
      )
      site.reload()
    })
  return (
    <>
      <PageHeader
        title={props.title ?? current.name}
        crumbs={[
          { label: 'Sites', href: '/sites' },
          ...(props.title ? [{ label: current.name, href: `/sites/${current.id}` }] : []),
        ]}
        actions={
          can('admin', current.id) && (
            <button type="button" class="button" disabled={action.busy} onClick={() => void toggle()}>
              {archived ? 'Restore site' : 'Archive site'}
            </button>
          )
        }
      >
        <p class="subtitle">
          <Status value={current.status} /> {current.timezone}
          {current.description && ` · ${current.description}`}
          {archived && ' · archived sites stay readable and refuse writes'}
        </p>
      </PageHeader>
      <ErrorNotice error={action.error} />
      <nav class="tabs" aria-label="Site">
        {TABS.filter((t) => t.tab !== 'enrolment' || can('operator', current.id))
          .filter((t) => t.tab !== 'settings' || can('admin', current.id))
          .map((t) => (
            <Link
              key={t.tab}
              class="tab"
              href={`/sites/${current.id}${t.path}`}
              aria-current={t.tab === props.tab ? 'page' : undefined}
            >
              {t.label}
            </Link>
          ))}
      </nav>
      {props.children(current, site.reload)}
    </>
  )
}
