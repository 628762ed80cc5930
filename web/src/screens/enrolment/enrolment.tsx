import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Site } from '../../api/types'
import { can } from '../../session/session'
import { CopyableValue } from '../../ui/copy-button'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Labels, Time } from '../../ui/format'
import { parseLabels } from '../../ui/labels-input'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'

/** `/sites/:siteId/enrolment`: tokens agents enrol with; a new one is shown once, as a command. */
export const EnrolmentScreen = ({ siteId }: { siteId: string }) => (
  <SiteFrame siteId={siteId} tab="enrolment">
    {(site) =>
      can('operator', site.id) ? (
        <Tokens site={site} />
      ) : (
        <EmptyState title="Enrolment tokens are for operators">
          Ask an operator or an admin of this site to enrol new agents.
        </EmptyState>
      )
    }
  </SiteFrame>
)

const Tokens = ({ site }: { site: Site }) => {
  const path = { siteId: site.id }
  const tokens = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/enrolment-tokens', { params: { path } })),
    [site.id],
  )
  const [labels, setLabels] = useState('')
  const [maxUses, setMaxUses] = useState('1')
  const [hours, setHours] = useState('24')
  const [created, setCreated] = useState<string | null>(null)
  const create = useAction()
  const revoke = useAction()
  const operator = site.status === 'active'
  return (
    <section aria-label="Enrolment tokens">
      {operator && (
        <form
          class="card form"
          aria-label="New enrolment token"
          onSubmit={async (e) => {
            e.preventDefault()
            const token = await create.run(() =>
              ok(
                api.POST('/v1/sites/{siteId}/enrolment-tokens', {
                  params: { path },
                  body: {
                    labels: parseLabels(labels),
                    max_uses: Number(maxUses),
                    expires_in_seconds: Math.round(Number(hours) * 3600),
                  },
                }),
              ),
            )
            if (token) {
              setCreated(token.token)
              tokens.reload()
            }
          }}
        >
          <h2>New enrolment token</h2>
          <div class="form-row">
            <label class="field">
              <span>Labels for its agents</span>
              <input
                name="labels"
                placeholder="env=prod, role=web"
                value={labels}
                onInput={(e) => setLabels(e.currentTarget.value)}
              />
            </label>
            <label class="field field-narrow">
              <span>Uses</span>
              <input
                type="number"
                min="1"
                name="max_uses"
                value={maxUses}
                onInput={(e) => setMaxUses(e.currentTarget.value)}
              />
            </label>
            <label class="field field-narrow">
              <span>Valid for (hours)</span>
              <input
                type="number"
                min="1"
                max="720"
                name="hours"
                value={hours}
                onInput={(e) => setHours(e.currentTarget.value)}
              />
            </label>
          </div>
          <ErrorNotice error={create.error} />
          <div class="form-actions">
            <button type="submit" class="button button-primary" disabled={create.busy}>
              Create token
            </button>
          </div>
          {created && (
            <div class="notice notice-success" role="status">
              <p>
                Run this on the server to enrol it. It is shown once; each token enrols as many agents as its
                uses allow.
              </p>
              <CopyableValue label="Enrol command" value={`sitewire-agent enrol ${created}`} />
            </div>
          )}
        </form>
      )}
      <ErrorNotice error={tokens.error ?? revoke.error} />
      {!tokens.data ? (
        <Loading what="enrolment tokens" />
      ) : tokens.data.items.length === 0 ? (
        <EmptyState title="No enrolment tokens">
          {operator
            ? 'Create a token above, then run the command it shows on each server.'
            : 'An operator creates tokens for new agents.'}
        </EmptyState>
      ) : (
        <table class="table">
          <caption class="visually-hidden">Enrolment tokens</caption>
          <thead>
            <tr>
              <th>Created</th>
              <th>Uses</th>
              <th>Labels</th>
              <th>Expires</th>
              <th>State</th>
              <th>
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((token) => {
              const expired = Date.parse(token.expires_at) < Date.now()
              const state = token.revoked_at
                ? 'revoked'
                : expired
                  ? 'expired'
                  : token.uses >= token.max_uses
                    ? 'used'
                    : 'usable'
              return (
                <tr key={token.id}>
                  <td>
                    <Time at={token.created_at} />
                  </td>
                  <td>
                    {token.uses} of {token.max_uses}
                  </td>
                  <td>
                    <Labels labels={token.labels} />
                  </td>
                  <td>
                    <Time at={token.expires_at} />
                  </td>
                  <td>
                    <span class={`status status-${state}`}>{state}</span>
                  </td>
                  <td class="row-actions">
                    {operator && state === 'usable' && (
                      <button
                        type="button"
                        class="button button-small button-danger"
                        onClick={() =>
                          void revoke.run(async () => {
                            await ok(
                              api.DELETE('/v1/sites/{siteId}/enrolment-tokens/{tokenId}', {
                                params: { path: { siteId: site.id, tokenId: token.id } },
                              }),
                            )
                            tokens.reload()
                          })
                        }
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}
