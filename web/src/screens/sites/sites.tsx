import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { Link, navigate, queryParam, setQuery } from '../../app/router'
import { can } from '../../session/session'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { PageHeader } from '../../ui/page'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'

/** Every site the caller may see, active or archived, and a form to create one. */
export const SitesScreen = () => {
  const status = queryParam('status') === 'archived' ? 'archived' : 'active'
  const sites = useLoad(
    () => ok(api.GET('/v1/sites', { params: { query: { status, limit: 1000 } } })),
    [status],
  )
  const [creating, setCreating] = useState(false)
  return (
    <>
      <PageHeader
        title="Sites"
        actions={
          can('admin') && (
            <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
              New site
            </button>
          )
        }
      />
      {creating && <CreateSite onCancel={() => setCreating(false)} />}
      <div class="toolbar" role="tablist" aria-label="Site status">
        {(['active', 'archived'] as const).map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={status === s}
            class="tab"
            onClick={() => setQuery({ status: s === 'active' ? undefined : s })}
          >
            {s === 'active' ? 'Active' : 'Archived'}
          </button>
        ))}
      </div>
      <ErrorNotice error={sites.error} />
      {sites.loading && !sites.data ? (
        <Loading what="sites" />
      ) : sites.data?.items.length === 0 ? (
        <EmptyState title={status === 'active' ? 'No sites yet' : 'No archived sites'}>
          {status === 'active' &&
            (can('admin')
              ? 'Create a site for each datacenter, VPC or customer premises, then enrol its agents.'
              : 'Ask an admin to create a site or to grant you a role on one.')}
        </EmptyState>
      ) : (
        <SiteTable sites={sites.data?.items ?? []} />
      )}
    </>
  )
}

const SiteTable = ({ sites }: { sites: Site[] }) => (
  <table class="table">
    <thead>
      <tr>
        <th>Name</th>
        <th>Status</th>
        <th>Time zone</th>
        <th>Labels</th>
        <th>Created</th>
      </tr>
    </thead>
    <tbody>
      {sites.map((site) => (
        <tr key={site.id}>
          <td>
            <Link href={`/sites/${site.id}`}>{site.name}</Link>
          </td>
          <td>
            <Status value={site.status} />
          </td>
          <td>{site.timezone}</td>
          <td>
            <Labels labels={site.labels} />
          </td>
          <td>
            <Time at={site.created_at} />
          </td>
        </tr>
      ))}
    </tbody>
  </table>
)

const CreateSite = ({ onCancel }: { onCancel: () => void }) => {
  const [name, setName] = useState('')
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone)
  const action = useAction()
  return (
    <form
      class="card form"
      aria-label="New site"
      onSubmit={async (event) => {
        event.preventDefault()
        const site = await action.run(() => ok(api.POST('/v1/sites', { body: { name, timezone } })))
        if (site) navigate(`/sites/${site.id}`)
      }}
    >
      <h2>New site</h2>
      <div class="form-row">
        <label class="field">
          <span>Name</span>
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Time zone</span>
          <input name="timezone" value={timezone} onInput={(e) => setTimezone(e.currentTarget.value)} />
        </label>
      </div>
      <ErrorNotice error={action.error} />
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={action.busy}>
          Create site
        </button>
        <button type="button" class="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
