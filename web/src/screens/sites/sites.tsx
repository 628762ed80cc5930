import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { Link, navigate, queryParam, setQuery } from '../../app/router'
import { can } from '../../session/session'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { PageHeader } from '../../ui/page'
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
      <ListTable
        label="Sites"
        loading="sites"
        items={sites.loading && !sites.data ? undefined : (sites.data?.items ?? [])}
        empty={
          sites.data && (
            <EmptyState title={status === 'active' ? 'No sites yet' : 'No archived sites'}>
              {status === 'active' &&
                (can('admin')
                  ? 'Create a site for each datacenter, VPC or customer premises, then enrol its agents.'
                  : 'Ask an admin to create a site or to grant you a role on one.')}
            </EmptyState>
          )
        }
        columns={[
          { header: 'Name', cell: (site) => <Link href={`/sites/${site.id}`}>{site.name}</Link> },
          { header: 'Status', cell: (site) => <Status value={site.status} /> },
          { header: 'Time zone', cell: (site) => site.timezone },
          { header: 'Labels', cell: (site) => <Labels labels={site.labels} /> },
          { header: 'Created', cell: (site) => <Time at={site.created_at} /> },
        ]}
      />
    </>
  )
}

const CreateSite = ({ onCancel }: { onCancel: () => void }) => {
  const [name, setName] = useState('')
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone)
  return (
    <ActionForm
      label="New site"
      layout="stacked"
      submitLabel="Create site"
      submit={async () => {
        const site = await ok(api.POST('/v1/sites', { body: { name, timezone } }))
        navigate(`/sites/${site.id}`)
      }}
      buttons={
        <button type="button" class="button" onClick={onCancel}>
          Cancel
        </button>
      }
    >
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
    </ActionForm>
  )
}
