import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Role } from '../../api/types'
import { ActionButton } from '../../ui/action-button'
import { ActionForm } from '../../ui/action-form'
import { ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { SecretShownOnce } from '../../ui/secret-shown-once'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { RoleField, SiteField, whereText } from './access-fields'
import { AccessFrame } from './access-frame'

const SCOPES = ['api', 'agent-enrol', 'webhook'] as const
type Scope = (typeof SCOPES)[number]

/** `/access/api-keys`: keys for scripts and tools, with a role, scopes and an expiry; the secret is shown once. */
export const ApiKeysScreen = () => {
  const data = useLoad(
    () =>
      Promise.all([
        ok(api.GET('/v1/api-keys', { params: { query: { limit: 1000, include_revoked: 'true' } } })),
        ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })),
      ]),
    [],
  )
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>('viewer')
  const [siteId, setSiteId] = useState('')
  const [scopes, setScopes] = useState<Scope[]>(['api'])
  const [expires, setExpires] = useState('')
  const [secret, setSecret] = useState<string | null>(null)
  const revoke = useAction()
  const [keys, sites] = data.data ?? []
  const siteName = new Map((sites?.items ?? []).map((s) => [s.id, s.name]))
  return (
    <AccessFrame tab="api-keys">
      <ActionForm
        label="New API key"
        layout="stacked"
        submitLabel="Create key"
        submit={async () => {
          const key = await ok(
            api.POST('/v1/api-keys', {
              body: {
                name,
                role,
                site_id: siteId || null,
                scopes,
                expires_at: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
              },
            }),
          )
          setSecret(key.secret)
          setName('')
          data.reload()
        }}
        after={
          <SecretShownOnce label="API key secret" value={secret}>
            The key’s secret, shown this once (only its hash is kept). Send it as{' '}
            <code>Authorization: Bearer …</code>.
          </SecretShownOnce>
        }
      >
        <div class="form-row">
          <label class="field">
            <span>Name</span>
            <input
              required
              placeholder="CI deploys"
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <RoleField label="Role" class="field field-narrow" value={role} onChange={setRole} />
          <SiteField label="Site" class="field" value={siteId} onChange={setSiteId} sites={sites?.items} />
          <label class="field field-narrow">
            <span>Expires (end of day)</span>
            <input type="date" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
          </label>
        </div>
        <fieldset class="plain scopes">
          <legend class="small muted">Scopes</legend>
          {SCOPES.map((scope) => (
            <label class="checkbox" key={scope}>
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(e) =>
                  setScopes(e.currentTarget.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
                }
              />
              {scope}
            </label>
          ))}
        </fieldset>
      </ActionForm>
      <ErrorNotice error={data.error ?? revoke.error} />
      <ListTable
        label="API keys"
        loading="API keys"
        items={keys?.items}
        columns={[
          { header: 'Name', cell: (key) => key.name },
          { header: 'Key', cell: (key) => <code>{key.prefix}…</code> },
          { header: 'Role', cell: (key) => key.role },
          { header: 'Where', cell: (key) => whereText(key.site_id, siteName) },
          { header: 'Scopes', cell: (key) => key.scopes.join(', ') },
          { header: 'Last used', cell: (key) => <Time at={key.last_used_at} empty="never" /> },
          { header: 'Expires', cell: (key) => <Time at={key.expires_at} empty="never" /> },
        ]}
        actions={(key) =>
          key.revoked_at ? (
            <span class="status status-revoked">revoked</span>
          ) : (
            <ActionButton
              danger
              action={revoke}
              confirm={`Revoke the key “${key.name}”? Calls with it fail at once.`}
              write={async () => {
                await ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: key.id } } }))
                data.reload()
              }}
            >
              Revoke
            </ActionButton>
          )
        }
      />
    </AccessFrame>
  )
}
