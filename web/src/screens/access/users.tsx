import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Role } from '../../api/types'
import { CopyableValue } from '../../ui/copy-button'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { AccessFrame } from './access-frame'

/** `/access/users`: people who sign in to the console; a new one's password is shown once. */
export const UsersScreen = () => {
  const users = useLoad(() => ok(api.GET('/v1/users', { params: { query: { limit: 1000 } } })), [])
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role | ''>('viewer')
  const [password, setPassword] = useState<string | null>(null)
  const action = useAction()
  return (
    <AccessFrame tab="users">
      <form
        class="card form"
        aria-label="New user"
        onSubmit={async (e) => {
          e.preventDefault()
          const user = await action.run(() =>
            ok(api.POST('/v1/users', { body: { email, name, role: role || null } })),
          )
          if (!user) return
          setPassword(user.generated_password)
          setEmail('')
          setName('')
          users.reload()
        }}
      >
        <h2>New user</h2>
        <div class="form-row">
          <label class="field">
            <span>Email</span>
            <input type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>Name</span>
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="field field-narrow">
            <span>Role on every site</span>
            <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role | '')}>
              <option value="">none (grant per site)</option>
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <button type="submit" class="button button-primary" disabled={action.busy}>
            Create user
          </button>
        </div>
        {password && (
          <div class="notice notice-success" role="status">
            <p>Their password, shown this once: hand it over safely; they can change it after signing in.</p>
            <CopyableValue label="Generated password" value={password} />
          </div>
        )}
      </form>
      <ErrorNotice error={users.error ?? action.error} />
      {!users.data ? (
        <Loading what="users" />
      ) : (
        <table class="table">
          <caption class="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Status</th>
              <th>Created</th>
              <th>
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((user) => (
              <tr key={user.id}>
                <td>{user.name}</td>
                <td>{user.email}</td>
                <td>
                  <Status value={user.status} />
                </td>
                <td>
                  <Time at={user.created_at} />
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="button button-small"
                    onClick={() =>
                      void action.run(async () => {
                        await ok(
                          api.PATCH('/v1/users/{id}', {
                            params: { path: { id: user.id } },
                            body: { disabled: user.status === 'active' },
                          }),
                        )
                        users.reload()
                      })
                    }
                  >
                    {user.status === 'active' ? 'Disable' : 'Enable'}
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
