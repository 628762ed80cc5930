import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Role } from '../../api/types'
import { CopyableValue } from '../../ui/copy-button'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
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
  const action = useAction()
  const [keys, sites] = data.data ?? []
  const siteName = new Map((sites?.items ?? []).map((s) => [s.id, s.name]))
  return (
    <AccessFrame tab="api-keys">
      <form
        class="card form"
        aria-label="New API key"
        onSubmit={async (e) => {
          e.preventDefault()
          const key = await action.run(() =>
            ok(
              api.POST('/v1/api-keys', {
                body: {
                  name,
                  role,
                  site_id: siteId || null,
                  scopes,
                  expires_at: expires ? new Date(`${expires}T23:59:59`).toISOString() : null,
                },
              }),
            ),
          )
          if (!key) return
          setSecret(key.secret)
          setName('')
          data.reload()
        }}
      >
        <h2>New API key</h2>
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
          <label class="field field-narrow">
            <span>Role</span>
            <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              <option>viewer</option>
              <option>operator</option>
              <option>admin</option>
            </select>
          </label>
          <label class="field">
            <span>Site</span>
            <select value={siteId} onChange={(e) => setSiteId(e.currentTarget.value)}>
              <option value="">every site</option>
              {sites?.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
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
        <ErrorNotice error={action.error} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={action.busy}>
            Create key
          </button>
        </div>
        {secret && (
          <div class="notice notice-success" role="status">
            <p>
              The key’s secret, shown this once (only its hash is kept). Send it as{' '}
              <code>Authorization: Bearer …</code>.
            </p>
            <CopyableValue label="API key secret" value={secret} />
          </div>
        )}
      </form>
      <ErrorNotice error={data.error} />
      {!keys ? (
        <Loading what="API keys" />
      ) : (
        <table class="table">
          <caption class="visually-hidden">API keys</caption>
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Role</th>
              <th>Where</th>
              <th>Scopes</th>
              <th>Last used</th>
              <th>Expires</th>
              <th>
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.items.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.role}</td>
                <td>{key.site_id ? (siteName.get(key.site_id) ?? key.site_id) : 'every site'}</td>
                <td>{key.scopes.join(', ')}</td>
                <td>
                  <Time at={key.last_used_at} empty="never" />
                </td>
                <td>
                  <Time at={key.expires_at} empty="never" />
                </td>
                <td class="row-actions">
                  {key.revoked_at ? (
                    <span class="status status-revoked">revoked</span>
                  ) : (
                    <button
                      type="button"
                      class="button button-small button-danger"
                      onClick={() => {
                        if (!confirm(`Revoke the key “${key.name}”? Calls with it fail at once.`)) return
                        void action.run(async () => {
                          await ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: key.id } } }))
                          data.reload()
                        })
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AccessFrame>
  )
}
