import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { me } from '../../session/session'
import { ActionForm } from '../../ui/action-form'
import { PageHeader } from '../../ui/page'

/** `/account`: who is signed in, with which roles, and a password change. */
export const AccountScreen = () => {
  const who = me.value
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [changed, setChanged] = useState(false)
  if (!who) return null
  const siteRoles = Object.entries(who.site_roles)
  return (
    <>
      <PageHeader title="Account" />
      <section class="card" aria-label="Who you are">
        <dl class="facts">
          <dt>Name</dt>
          <dd>{who.user?.name ?? 'an API key'}</dd>
          <dt>Email</dt>
          <dd>{who.user?.email ?? '—'}</dd>
          <dt>Role on every site</dt>
          <dd>{who.role ?? 'none'}</dd>
          <dt>Roles on sites</dt>
          <dd>
            {siteRoles.length ? siteRoles.map(([site, role]) => `${role} on ${site}`).join(', ') : 'none'}
          </dd>
          <dt>Tenant</dt>
          <dd>
            <code>{who.tenant_id}</code>
          </dd>
        </dl>
      </section>
      {who.user && (
        <ActionForm
          label="Change password"
          layout="stacked"
          submitLabel="Change password"
          submit={async () => {
            setChanged(false)
            await ok(
              api.POST('/v1/auth/password', { body: { current_password: current, new_password: next } }),
            )
            setCurrent('')
            setNext('')
            setChanged(true)
          }}
        >
          <div class="form-row">
            <label class="field">
              <span>Current password</span>
              <input
                type="password"
                autoComplete="current-password"
                required
                value={current}
                onInput={(e) => setCurrent(e.currentTarget.value)}
              />
            </label>
            <label class="field">
              <span>New password</span>
              <input
                type="password"
                autoComplete="new-password"
                required
                value={next}
                onInput={(e) => setNext(e.currentTarget.value)}
              />
            </label>
          </div>
          {changed && (
            <p class="notice notice-success" role="status">
              Password changed.
            </p>
          )}
        </ActionForm>
      )}
    </>
  )
}
