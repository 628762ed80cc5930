import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Role } from '../../api/types'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { AccessFrame } from './access-frame'

/** `/access/grants`: roles given to users and teams, on every site or on one. */
export const GrantsScreen = () => {
  const data = useLoad(
    () =>
      Promise.all([
        ok(api.GET('/v1/grants', { params: { query: { limit: 1000 } } })),
        ok(api.GET('/v1/users', { params: { query: { limit: 1000 } } })),
        ok(api.GET('/v1/teams', { params: { query: { limit: 1000 } } })),
        ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })),
      ]),
    [],
  )
  const [subject, setSubject] = useState('')
  const [role, setRole] = useState<Role>('viewer')
  const [siteId, setSiteId] = useState('')
  const action = useAction()
  const [grants, users, teams, sites] = data.data ?? []
  const names = new Map<string, string>([
    ...(users?.items ?? []).map((u): [string, string] => [u.id, `${u.name} (user)`]),
    ...(teams?.items ?? []).map((t): [string, string] => [t.id, `${t.name} (team)`]),
    ...(sites?.items ?? []).map((s): [string, string] => [s.id, s.name]),
  ])
  return (
    <AccessFrame tab="grants">
      <form
        class="card toolbar"
        aria-label="New grant"
        onSubmit={(e) => {
          e.preventDefault()
          const [type, id] = subject.split(':') as ['user' | 'team', string]
          void action.run(async () => {
            await ok(
              api.POST('/v1/grants', { body: { subject: { type, id }, role, site_id: siteId || null } }),
            )
            data.reload()
          })
        }}
      >
        <label class="field field-inline">
          <span>Grant</span>
          <select required value={subject} onChange={(e) => setSubject(e.currentTarget.value)}>
            <option value="">a user or team…</option>
            {users?.items.map((u) => (
              <option key={u.id} value={`user:${u.id}`}>
                {u.name} (user)
              </option>
            ))}
            {teams?.items.map((t) => (
              <option key={t.id} value={`team:${t.id}`}>
                {t.name} (team)
              </option>
            ))}
          </select>
        </label>
        <label class="field field-inline">
          <span>the role</span>
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option>viewer</option>
            <option>operator</option>
            <option>admin</option>
          </select>
        </label>
        <label class="field field-inline">
          <span>on</span>
          <select value={siteId} onChange={(e) => setSiteId(e.currentTarget.value)}>
            <option value="">every site</option>
            {sites?.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button button-primary" disabled={action.busy}>
          Grant
        </button>
      </form>
      <ErrorNotice error={data.error ?? action.error} />
      {!grants ? (
        <Loading what="grants" />
      ) : (
        <table class="table">
          <caption class="visually-hidden">Grants</caption>
          <thead>
            <tr>
              <th>Who</th>
              <th>Role</th>
              <th>Where</th>
              <th>Granted</th>
              <th>
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {grants.items.map((grant) => (
              <tr key={grant.id}>
                <td>{names.get(grant.subject.id) ?? `${grant.subject.type} ${grant.subject.id}`}</td>
                <td>{grant.role}</td>
                <td>{grant.site_id ? (names.get(grant.site_id) ?? grant.site_id) : 'every site'}</td>
                <td>
                  <Time at={grant.created_at} />
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="button button-small button-danger"
                    onClick={() =>
                      void action.run(async () => {
                        await ok(api.DELETE('/v1/grants/{id}', { params: { path: { id: grant.id } } }))
                        data.reload()
                      })
                    }
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AccessFrame>
  )
}
