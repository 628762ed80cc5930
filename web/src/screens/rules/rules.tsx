import { api, ok } from '../../api/client'
import type { Rule, Site } from '../../api/types'
import { Link, navigate } from '../../app/router'
import { can } from '../../session/session'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { RuleForm } from './rule-form'

const hostOf = (url: string) => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** What a rule does, in a few words. */
export const actionText = (rule: Rule, taskName?: (id: string) => string | undefined) => {
  if (rule.action.kind === 'resolve') return 'resolve the alert'
  if (rule.action.kind === 'notify') return `notify ${hostOf(rule.action.url)} (${rule.action.format})`
  const action = rule.action
  const target = [
    action.target_label ? `the host in ${action.target_label}` : '',
    action.target?.labels
      ? Object.entries(action.target.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')
      : '',
  ]
    .filter(Boolean)
    .join(' and ')
  return `run ${taskName?.(action.task_id) ?? action.task_id}${target ? ` on ${target}` : ''}`
}

/** `/sites/:siteId/rules`: what the site does when its alerts change. */
export const RulesScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="rules">
    {(site) => <Rules site={site} />}
  </SiteFrame>
)

/** `/sites/:siteId/rules/new`. */
export const NewRuleScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="rules" title="New rule">
    {(site) => (
      <RuleForm
        site={site}
        onSaved={(rule) => navigate(`/sites/${site.id}/rules/${rule.id}`)}
        onCancel={() => navigate(`/sites/${site.id}/rules`)}
      />
    )}
  </SiteFrame>
)

const Rules = ({ site }: { site: Site }) => {
  const path = { siteId: site.id }
  const rules = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/rules', { params: { path, query: { limit: 1000 } } })),
    [site.id],
  )
  const tasks = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/tasks', { params: { path, query: { limit: 1000 } } })),
    [site.id],
  )
  const taskName = (id: string) => tasks.data?.items.find((t) => t.id === id)?.name
  const writable = can('operator', site.id) && site.status === 'active'
  return (
    <section aria-label="Rules">
      {writable && (
        <div class="toolbar">
          <Link class="button button-primary toolbar-end" href={`/sites/${site.id}/rules/new`}>
            New rule
          </Link>
        </div>
      )}
      <ErrorNotice error={rules.error} />
      <ListTable
        label="Rules"
        loading="rules"
        items={rules.data?.items}
        empty={
          <EmptyState title="No rules">
            {writable
              ? 'A rule runs a task, notifies a chat or endpoint, or resolves the alert when an alert matching its expression fires.'
              : 'An operator writes rules.'}
          </EmptyState>
        }
        columns={[
          { header: 'Name', cell: (r) => <Link href={`/sites/${site.id}/rules/${r.id}`}>{r.name}</Link> },
          { header: 'Expression', cell: (r) => <code>{r.expression}</code> },
          { header: 'On', cell: (r) => r.on.join(', ') },
          { header: 'Action', cell: (r) => actionText(r, taskName) },
          {
            header: 'State',
            cell: (r) => (
              <span class={`status status-${r.enabled ? 'active' : 'paused'}`}>
                {r.enabled ? 'enabled' : 'disabled'}
              </span>
            ),
          },
          { header: 'Version', cell: (r) => r.version },
          { header: 'Updated', cell: (r) => <Time at={r.updated_at} /> },
        ]}
      />
    </section>
  )
}
