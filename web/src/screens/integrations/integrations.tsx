import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Integration, Site } from '../../api/types'
import { Link } from '../../app/router'
import { isAdmin } from '../../session/session'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { PageHeader } from '../../ui/page'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { type CreatedIntegration, type IntegrationPlace, sitePlace, tenantPlace } from './integration-place'
import { emptyRouting, RoutingFields, RoutingText, routingOf } from './routing-fields'
import { NewSecret } from './sender-setup'
import {
  emptySettings,
  type IntegrationKind,
  KINDS,
  kindLabel,
  SettingsFields,
  settingsOf,
} from './settings-fields'

/** `/sites/:siteId/integrations`: the endpoints monitoring tools post a site's alerts to; admins add them. */
export const IntegrationsScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="integrations">
    {(site) => <Integrations place={sitePlace(site)} />}
  </SiteFrame>
)

/** `/integrations`: the tenant's integrations that serve every site, routing each alert by its labels. */
export const TenantIntegrationsScreen = () => (
  <>
    <PageHeader title="Integrations for every site" crumbs={[{ label: 'Alerts', href: '/alerts' }]}>
      <p class="subtitle">
        One endpoint for a sender that watches many sites, such as a central Alertmanager: each alert goes to
        the site its labels name.
      </p>
    </PageHeader>
    {isAdmin.value ? (
      <Integrations place={tenantPlace()} />
    ) : (
      <EmptyState title="Tenant-wide integrations are managed by admins">
        A site’s own integrations are on its Integrations tab.
      </EmptyState>
    )}
  </>
)

const Integrations = ({ place }: { place: IntegrationPlace }) => {
  const integrations = useLoad(() => place.list(), [place.listHref])
  const sites = useSiteNames(place.tenantWide)
  const [creating, setCreating] = useState(false)
  const [created, setCreated] = useState<CreatedIntegration | null>(null)
  return (
    <section aria-label="Integrations">
      {place.admin && !creating && (
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
          place={place}
          sites={sites}
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
            <Link href={place.href(created.id)}>{created.name}</Link> is ready
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
            {place.admin
              ? place.tenantWide
                ? 'Add one for a monitoring tool that sends alerts of many sites.'
                : 'Add one for each monitoring tool that should send this site its alerts.'
              : 'An admin of the site adds integrations for monitoring tools.'}
          </EmptyState>
        }
        columns={[
          { header: 'Name', cell: (i) => <Link href={place.href(i.id)}>{i.name}</Link> },
          { header: 'Kind', cell: (i) => kindLabel(i.kind) },
          ...(place.tenantWide
            ? [
                {
                  header: 'Routing',
                  cell: (i: Integration) =>
                    i.routing ? <RoutingText routing={i.routing} sites={sites} /> : null,
                },
              ]
            : []),
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

/** The tenant's sites, to route to and to name; none are loaded for a site's own integrations. */
export const useSiteNames = (wanted: boolean): Site[] =>
  useLoad(
    async () =>
      wanted ? (await ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } }))).items : [],
    [wanted],
  ).data ?? []

const IntegrationForm = (props: {
  place: IntegrationPlace
  sites: Site[]
  onCreated: (integration: CreatedIntegration) => void
  onCancel: () => void
}) => {
  const [name, setName] = useState('')
  const [kind, setKind] = useState<IntegrationKind>('alertmanager')
  const [settings, setSettings] = useState(emptySettings)
  const [routing, setRouting] = useState(emptyRouting)
  return (
    <ActionForm
      label="New integration"
      layout="stacked"
      submitLabel="Create integration"
      submit={async () => {
        props.onCreated(
          await props.place.create({
            name,
            settings: settingsOf(kind, settings),
            ...(props.place.tenantWide ? { routing: routingOf(routing) } : {}),
          }),
        )
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
      {props.place.tenantWide && <RoutingFields draft={routing} sites={props.sites} onChange={setRouting} />}
    </ActionForm>
  )
}
