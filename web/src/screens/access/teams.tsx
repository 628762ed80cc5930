import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { ActionButton } from '../../ui/action-button'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Time } from '../../ui/format'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { AccessFrame } from './access-frame'

/** `/access/teams`: teams and their members; grants to a team apply to each member. */
export const TeamsScreen = () => {
  const data = useLoad(
    () =>
      Promise.all([
        ok(api.GET('/v1/teams', { params: { query: { limit: 1000 } } })),
        ok(api.GET('/v1/users', { params: { query: { limit: 1000 } } })),
      ]),
    [],
  )
  const [name, setName] = useState('')
  const action = useAction()
  const [teams, users] = data.data ?? []
  const userName = new Map((users?.items ?? []).map((u) => [u.id, u.name]))
  /** A write on the teams, after which they are read again. */
  const thenReload = (call: () => Promise<unknown>) => async () => {
    await call()
    data.reload()
  }
  return (
    <AccessFrame tab="teams">
      <ActionForm
        label="New team"
        layout="inline"
        submitLabel="Create team"
        submit={async () => {
          await ok(api.POST('/v1/teams', { body: { name } }))
          setName('')
          data.reload()
        }}
      >
        <label class="field field-inline">
          <span>New team</span>
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
      </ActionForm>
      <ErrorNotice error={data.error ?? action.error} />
      {!teams || !users ? (
        <Loading what="teams" />
      ) : teams.items.length === 0 ? (
        <EmptyState title="No teams">Group users in teams, then grant roles to the team.</EmptyState>
      ) : (
        teams.items.map((team) => (
          <section class="card" key={team.id} aria-label={`Team ${team.name}`}>
            <div class="page-title-row">
              <h2>{team.name}</h2>
              <span class="muted small">
                created <Time at={team.created_at} />
              </span>
              <ActionButton
                danger
                action={action}
                confirm={`Delete the team “${team.name}” and its grants?`}
                write={thenReload(() =>
                  ok(api.DELETE('/v1/teams/{id}', { params: { path: { id: team.id } } })),
                )}
              >
                Delete team
              </ActionButton>
            </div>
            <ul class="plain-list">
              {team.member_ids.map((id) => (
                <li key={id}>
                  {userName.get(id) ?? id}{' '}
                  <ActionButton
                    action={action}
                    write={thenReload(() =>
                      ok(
                        api.DELETE('/v1/teams/{id}/members/{userId}', {
                          params: { path: { id: team.id, userId: id } },
                        }),
                      ),
                    )}
                  >
                    Remove
                  </ActionButton>
                </li>
              ))}
            </ul>
            <label class="field field-inline">
              <span>Add member</span>
              <select
                value=""
                onChange={(e) => {
                  const userId = e.currentTarget.value
                  if (userId)
                    void action.run(
                      thenReload(() =>
                        ok(
                          api.PUT('/v1/teams/{id}/members/{userId}', {
                            params: { path: { id: team.id, userId } },
                          }),
                        ),
                      ),
                    )
                }}
              >
                <option value="">choose a user…</option>
                {users.items
                  .filter((u) => !team.member_ids.includes(u.id))
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name} ({u.email})
                    </option>
                  ))}
              </select>
            </label>
          </section>
        ))
      )}
    </AccessFrame>
  )
}
