import { useState } from 'preact/hooks'
import * as v from 'valibot'
import {
  CONNECTOR_RESOURCE_TYPES,
  type ConnectorResourceType,
  CreateConnectorBody,
} from '../../../../schema/inventory/connectors'
import { api, ok } from '../../api/client'
import type { Answer } from '../../api/types'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { draftFailure } from './entity-form'
import { InventoryFrame } from './inventory-frame'

type Connector = Answer<'/v1/sites/{siteId}/inventory/connectors/{connectorId}', 'get'>
type Sync = Answer<'/v1/sites/{siteId}/inventory/connectors/{connectorId}/syncs', 'get'>['items'][number]

const TYPE_LABELS: Record<ConnectorResourceType, string> = {
  servers: 'Servers',
  load_balancers: 'Load balancers',
  databases: 'Databases',
  datacenters: 'Datacenters',
}

/** A type's last sync in a cell: off, never, or its outcome with counts, and the first error's hint. */
const lastSync = (connector: Connector, type: ConnectorResourceType) => {
  const status = connector.resource_types[type]
  if (!status || status.interval_seconds === false) return 'off'
  const last = status.last_sync
  if (!last) return 'never synced'
  const counts = `+${last.created} ~${last.updated} −${last.retired} =${last.unchanged}`
  if (last.status === 'succeeded') return `ok ${counts}`
  const error = last.errors[0]
  return `failed: ${error?.hint ?? error?.message ?? 'unknown error'}`
}

interface Draft {
  name: string
  provider: 'aws' | 'openstack'
  agentId: string
  regions: string
  endpoint: string
  authUrl: string
  project: string
  username: string
  passwordSecret: string
}

const emptyDraft: Draft = {
  name: '',
  provider: 'aws',
  agentId: '',
  regions: 'eu-west-1',
  endpoint: '',
  authUrl: '',
  project: '',
  username: '',
  passwordSecret: 'OS_PASSWORD',
}

/** The draft as the API's create body, checked with the API's own schema before it is sent. */
const bodyOf = (draft: Draft) => {
  const regions = draft.regions
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
  const body =
    draft.provider === 'aws'
      ? {
          name: draft.name,
          provider: 'aws',
          agent_id: draft.agentId,
          aws: { regions, ...(draft.endpoint ? { endpoint: draft.endpoint } : {}) },
        }
      : {
          name: draft.name,
          provider: 'openstack',
          agent_id: draft.agentId,
          openstack: {
            auth_url: draft.authUrl,
            ...(regions[0] ? { region: regions[0] } : {}),
            ...(draft.project ? { project_name: draft.project } : {}),
            ...(draft.username ? { username: draft.username } : {}),
            ...(draft.passwordSecret ? { password_secret: draft.passwordSecret } : {}),
          },
        }
  const checked = v.safeParse(CreateConnectorBody, body)
  if (!checked.success)
    throw draftFailure(
      checked.issues.map((issue) => ({
        path: (issue.path ?? []).map((item) => String(item.key)).join('.') || 'body',
        message: issue.message,
      })),
    )
  return checked.output
}

/** A connector's syncs, newest first. */
const SyncHistory = ({ siteId, connector }: { siteId: string; connector: Connector }) => {
  const syncs = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/inventory/connectors/{connectorId}/syncs', {
          params: { path: { siteId, connectorId: connector.id }, query: { limit: 100 } },
        }),
      ),
    [siteId, connector.id, connector.updated_at, JSON.stringify(connector.resource_types)],
  )
  if (syncs.error) return <ErrorNotice error={syncs.error} />
  return (
    <section aria-label={`Syncs of ${connector.name}`}>
      <h2>Syncs of {connector.name}</h2>
      <ListTable<Sync>
        label={`Syncs of ${connector.name}`}
        loading="the syncs"
        items={syncs.data?.items}
        rowKey={(sync) => sync.seq}
        rowClass={(sync) => (sync.status === 'failed' ? 'row-failed' : undefined)}
        empty={<EmptyState title="No sync yet">Its agent syncs as soon as it hears of it.</EmptyState>}
        columns={[
          { header: 'Started', cell: (sync) => sync.started_at },
          { header: 'Type', cell: (sync) => TYPE_LABELS[sync.resource_type] },
          { header: 'Status', cell: (sync) => sync.status },
          { header: 'Created', cell: (sync) => sync.created },
          { header: 'Updated', cell: (sync) => sync.updated },
          { header: 'Retired', cell: (sync) => sync.retired },
          { header: 'Unchanged', cell: (sync) => sync.unchanged },
          {
            header: 'Errors',
            cell: (sync) =>
              sync.errors.length === 0 ? '—' : sync.errors.map((e) => `${e.hint ?? e.message}`).join('; '),
          },
        ]}
      />
    </section>
  )
}

/**
 * `/inventory/connectors`: a site's cloud connectors with each type's last sync, a form to add
 * one (checked with the API's schemas; credentials stay on the agent, named only), "sync now",
 * and a connector's sync history.
 */
export const ConnectorsScreen = () => {
  const sites = useLoad(() => ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })), [])
  const [siteId, setSiteId] = useState('')
  const [draft, setDraft] = useState<Draft>(emptyDraft)
  const [shown, setShown] = useState<string>()
  const site = siteId || sites.data?.items[0]?.id || ''
  const connectors = useLoad(
    async () =>
      site
        ? ok(
            api.GET('/v1/sites/{siteId}/inventory/connectors', {
              params: { path: { siteId: site }, query: { limit: 100 } },
            }),
          )
        : undefined,
    [site],
  )
  const agents = useLoad(
    async () =>
      site
        ? ok(
            api.GET('/v1/sites/{siteId}/agents', {
              params: { path: { siteId: site }, query: { limit: 1000 } },
            }),
          )
        : undefined,
    [site],
  )
  if (sites.error) return <ErrorNotice error={sites.error} />
  if (!sites.data) return <Loading what="the sites" />
  const set = (field: keyof Draft) => (e: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [field]: e.currentTarget.value })
  const agentId = draft.agentId || agents.data?.items[0]?.id || ''
  const selected = connectors.data?.items.find((c) => c.id === shown)
  return (
    <InventoryFrame tab="connectors">
      <label class="field">
        <span>Site</span>
        <select value={site} onChange={(e) => setSiteId(e.currentTarget.value)}>
          {sites.data.items.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      {connectors.error ? <ErrorNotice error={connectors.error} /> : null}
      <ListTable<Connector>
        label="Connectors"
        loading="the connectors"
        items={connectors.data?.items}
        empty={
          <EmptyState title="No connector yet">
            Add one below: an agent of the site reads the cloud.
          </EmptyState>
        }
        columns={[
          { header: 'Name', cell: (c) => c.name },
          { header: 'Provider', cell: (c) => c.provider },
          { header: 'Agent', cell: (c) => c.agent_id, class: 'mono' },
          ...CONNECTOR_RESOURCE_TYPES.map((type) => ({
            header: TYPE_LABELS[type],
            cell: (c: Connector) => lastSync(c, type),
          })),
        ]}
        actions={(c) => (
          <>
            <button
              type="button"
              class="button"
              onClick={async () => {
                await ok(
                  api.POST('/v1/sites/{siteId}/inventory/connectors/{connectorId}/sync', {
                    params: { path: { siteId: site, connectorId: c.id } },
                    body: {},
                  }),
                )
                setShown(c.id)
                connectors.reload()
              }}
            >
              Sync now
            </button>
            <button type="button" class="button" onClick={() => setShown(c.id)}>
              History
            </button>
          </>
        )}
      />
      {selected ? <SyncHistory siteId={site} connector={selected} /> : null}
      <ActionForm
        label="New connector"
        layout="stacked"
        submitLabel="Create connector"
        busyLabel="Creating…"
        disabled={!site}
        error={agents.error}
        submit={async () => {
          const body = bodyOf({ ...draft, agentId })
          await ok(
            api.POST('/v1/sites/{siteId}/inventory/connectors', { params: { path: { siteId: site } }, body }),
          )
          setDraft(emptyDraft)
          connectors.reload()
        }}
      >
        <div class="form-row">
          <label class="field">
            <span>Name</span>
            <input value={draft.name} onInput={set('name')} />
          </label>
          <label class="field">
            <span>Provider</span>
            <select value={draft.provider} onChange={set('provider')}>
              <option value="aws">AWS</option>
              <option value="openstack">OpenStack</option>
            </select>
          </label>
          <label class="field">
            <span>Agent</span>
            <select value={agentId} onChange={set('agentId')}>
              {(agents.data?.items ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.hostname} ({a.id})
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>{draft.provider === 'aws' ? 'Regions (comma separated)' : 'Region'}</span>
            <input value={draft.regions} onInput={set('regions')} />
          </label>
        </div>
        {draft.provider === 'aws' ? (
          <div class="form-row">
            <label class="field">
              <span>Endpoint (optional)</span>
              <input value={draft.endpoint} onInput={set('endpoint')} placeholder="https://…" />
            </label>
            <p class="muted">
              Credentials stay on the agent: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY there with
              sitewire-agent secrets set.
            </p>
          </div>
        ) : (
          <div class="form-row">
            <label class="field">
              <span>Keystone URL</span>
              <input value={draft.authUrl} onInput={set('authUrl')} placeholder="https://keystone:5000/v3" />
            </label>
            <label class="field">
              <span>Project</span>
              <input value={draft.project} onInput={set('project')} />
            </label>
            <label class="field">
              <span>Username</span>
              <input value={draft.username} onInput={set('username')} />
            </label>
            <label class="field">
              <span>Password secret (its name on the agent)</span>
              <input value={draft.passwordSecret} onInput={set('passwordSecret')} />
            </label>
          </div>
        )}
      </ActionForm>
    </InventoryFrame>
  )
}
