import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Answer, Site } from '../../api/types'
import { Link } from '../../app/router'
import { can } from '../../session/session'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { NewSecret } from './sender-setup'
import {
  emptySettings,
  type IntegrationKind,
  KINDS,
  kindLabel,
  SettingsFields,
  settingsOf,
} from './settings-fields'

type Created = Answer<'/v1/sites/{siteId}/integrations', 'post'>

/** `/sites/:siteId/integrations`: the endpoints monitoring tools post alerts to; admins add them. */
export const IntegrationsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="integrations">
    {(site) => <Integrations site={site} />}
  </SiteFrame>
)

const Integrations = ({ site }: { site: Site }) => {
  const path = { siteId: site.id }
  const integrations = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/integrations', { params: { path, query: { limit: 1000 } } })),
    [site.id],
  )
  const admin = can('admin', site.id) && site.status === 'active'
  const [creating, setCreating] = useState(false)
  const [created, setCreated] = useState<Created | null>(null)
  return (
    <section aria-label="Integrations">
      {admin && !creating && (
        <div class="toolbar">
          <button
            type="button"
            class="button button-primary toolbar-end"
            onClick={() => {
              setCreated(null)
              setCreating(true)
            }}
          >
            New integration
          </button>
        </div>
      )}
      {creating && (
        <IntegrationForm
          site={site}
          onCreated={(integration) => {
            setCreated(integration)
            setCreating(false)
            integrations.reload()
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {created && (
        <section class="card" aria-label={`Integration ${created.name} created`}>
          <h2>
            <Link href={`/sites/${site.id}/integrations/${created.id}`}>{created.name}</Link> is ready
          </h2>
          <NewSecret
            integration={created}
            secret={created.secret}
            what="Its secret authenticates the sender."
          />
        </section>
      )}
      <ErrorNotice error={integrations.error} />
      <ListTable
        label="Integrations"
        loading="integrations"
        items={integrations.data?.items}
        empty={
          <EmptyState title="No integrations">
            {admin
              ? 'Add one for each monitoring tool that should send this site its alerts.'
              : 'An admin of the site adds integrations for monitoring tools.'}
          </EmptyState>
        }
        columns={[
          {
            header: 'Name',
            cell: (i) => <Link href={`/sites/${site.id}/integrations/${i.id}`}>{i.name}</Link>,
          },
          { header: 'Kind', cell: (i) => kindLabel(i.kind) },
          { header: 'Hook path', cell: (i) => <code>{i.hook_path}</code> },
          {
            header: 'Secrets',
            cell: (i) => (i.secrets === 2 ? '2 (rotating)' : String(i.secrets)),
          },
          { header: 'Created', cell: (i) => <Time at={i.created_at} /> },
        ]}
      />
    </section>
  )
}

const IntegrationForm = (props: {
  site: Site
  onCreated: (integration: Created) => void
  onCancel: () => void
}) => {
  const [name, setName] = useState('')
  const [kind, setKind] = useState<IntegrationKind>('alertmanager')
  const [settings, setSettings] = useState(emptySettings)
  return (
    <ActionForm
      label="New integration"
      layout="stacked"
      submitLabel="Create integration"
      submit={async () => {
        const integration = await ok(
          api.POST('/v1/sites/{siteId}/integrations', {
            params: { path: { siteId: props.site.id } },
            body: { name, settings: settingsOf(kind, settings) },
          }),
        )
        props.onCreated(integration)
      }}
      buttons={
        <button type="button" class="button" onClick={props.onCancel}>
          Cancel
        </button>
      }
    >
      <div class="form-row">
        <label class="field">
          <span>Name</span>
          <input
            required
            placeholder="prometheus-prod"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Sender</span>
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as IntegrationKind)}>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <SettingsFields kind={kind} draft={settings} onChange={setSettings} />
    </ActionForm>
  )
}
