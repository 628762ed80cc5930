import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Role } from '../../api/types'
import { ActionButton } from '../../ui/action-button'
import { ActionForm } from '../../ui/action-form'
import { ErrorNotice } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { SecretShownOnce } from '../../ui/secret-shown-once'
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
  const toggle = useAction()
  return (
    <AccessFrame tab="users">
      <ActionForm
        label="New user"
        layout="stacked"
        submitLabel="Create user"
        submit={async () => {
          const user = await ok(api.POST('/v1/users', { body: { email, name, role: role || null } }))
          setPassword(user.generated_password)
          setEmail('')
          setName('')
          users.reload()
        }}
        after={
          <SecretShownOnce label="Generated password" value={password}>
            Their password, shown this once: hand it over safely; they can change it after signing in.
          </SecretShownOnce>
        }
      >
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
        </div>
      </ActionForm>
      <ErrorNotice error={users.error ?? toggle.error} />
      <ListTable
        label="Users"
        loading="users"
        items={users.data?.items}
        columns={[
          { header: 'Name', cell: (user) => user.name },
          { header: 'Email', cell: (user) => user.email },
          { header: 'Status', cell: (user) => <Status value={user.status} /> },
          { header: 'Created', cell: (user) => <Time at={user.created_at} /> },
        ]}
        actions={(user) => (
          <ActionButton
            action={toggle}
            write={async () => {
              await ok(
                api.PATCH('/v1/users/{id}', {
                  params: { path: { id: user.id } },
                  body: { disabled: user.status === 'active' },
                }),
              )
              users.reload()
            }}
          >
            {user.status === 'active' ? 'Disable' : 'Enable'}
          </ActionButton>
        )}
      />
    </AccessFrame>
  )
}
