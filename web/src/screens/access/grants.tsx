import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Role } from '../../api/types'
import { ActionButton } from '../../ui/action-button'
import { ActionForm } from '../../ui/action-form'
import { ErrorNotice } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { RoleField, SiteField, whereText } from './access-fields'
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
  const revoke = useAction()
  const [grants, users, teams, sites] = data.data ?? []
  const names = new Map<string, string>([
    ...(users?.items ?? []).map((u): [string, string] => [u.id, `${u.name} (user)`]),
    ...(teams?.items ?? []).map((t): [string, string] => [t.id, `${t.name} (team)`]),
    ...(sites?.items ?? []).map((s): [string, string] => [s.id, s.name]),
  ])
  return (
    <AccessFrame tab="grants">
      <ActionForm
        label="New grant"
        layout="inline"
        submitLabel="Grant"
        submit={async () => {
          const [type, id] = subject.split(':') as ['user' | 'team', string]
          await ok(api.POST('/v1/grants', { body: { subject: { type, id }, role, site_id: siteId || null } }))
          data.reload()
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
        <RoleField label="the role" class="field field-inline" value={role} onChange={setRole} />
        <SiteField
          label="on"
          class="field field-inline"
          value={siteId}
          onChange={setSiteId}
          sites={sites?.items}
        />
      </ActionForm>
      <ErrorNotice error={data.error ?? revoke.error} />
      <ListTable
        label="Grants"
        loading="grants"
        items={grants?.items}
        columns={[
          {
            header: 'Who',
            cell: (grant) => names.get(grant.subject.id) ?? `${grant.subject.type} ${grant.subject.id}`,
          },
          { header: 'Role', cell: (grant) => grant.role },
          { header: 'Where', cell: (grant) => whereText(grant.site_id, names) },
          { header: 'Granted', cell: (grant) => <Time at={grant.created_at} /> },
        ]}
        actions={(grant) => (
          <ActionButton
            danger
            action={revoke}
            write={async () => {
              await ok(api.DELETE('/v1/grants/{id}', { params: { path: { id: grant.id } } }))
              data.reload()
            }}
          >
            Revoke
          </ActionButton>
        )}
      />
    </AccessFrame>
  )
}
