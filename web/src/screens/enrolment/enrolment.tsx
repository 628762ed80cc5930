import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { EnrolmentToken, Site } from '../../api/types'
import { can } from '../../session/session'
import { ActionButton } from '../../ui/action-button'
import { ActionForm } from '../../ui/action-form'
import { EmptyState, ErrorNotice } from '../../ui/feedback'
import { Labels, Status, Time } from '../../ui/format'
import { parseLabels } from '../../ui/labels-input'
import { ListTable } from '../../ui/list-table'
import { SecretShownOnce } from '../../ui/secret-shown-once'
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

/** Whether a token still enrols agents, or why not. */
const stateOf = (token: EnrolmentToken) =>
  token.revoked_at
    ? 'revoked'
    : Date.parse(token.expires_at) < Date.now()
      ? 'expired'
      : token.uses >= token.max_uses
        ? 'used'
        : 'usable'

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
  const revoke = useAction()
  const operator = site.status === 'active'
  return (
    <section aria-label="Enrolment tokens">
      {operator && (
        <ActionForm
          label="New enrolment token"
          layout="stacked"
          submitLabel="Create token"
          submit={async () => {
            const token = await ok(
              api.POST('/v1/sites/{siteId}/enrolment-tokens', {
                params: { path },
                body: {
                  labels: parseLabels(labels),
                  max_uses: Number(maxUses),
                  expires_in_seconds: Math.round(Number(hours) * 3600),
                },
              }),
            )
            setCreated(token.token)
            tokens.reload()
          }}
          after={
            <SecretShownOnce label="Enrol command" value={created && `sitewire-agent enrol ${created}`}>
              Run this on the server to enrol it. It is shown once; each token enrols as many agents as its
              uses allow.
            </SecretShownOnce>
          }
        >
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
        </ActionForm>
      )}
      <ErrorNotice error={tokens.error ?? revoke.error} />
      <ListTable
        label="Enrolment tokens"
        loading="enrolment tokens"
        items={tokens.data?.items}
        empty={
          <EmptyState title="No enrolment tokens">
            {operator
              ? 'Create a token above, then run the command it shows on each server.'
              : 'An operator creates tokens for new agents.'}
          </EmptyState>
        }
        columns={[
          { header: 'Created', cell: (token) => <Time at={token.created_at} /> },
          { header: 'Uses', cell: (token) => `${token.uses} of ${token.max_uses}` },
          { header: 'Labels', cell: (token) => <Labels labels={token.labels} /> },
          { header: 'Expires', cell: (token) => <Time at={token.expires_at} /> },
          { header: 'State', cell: (token) => <Status value={stateOf(token)} /> },
        ]}
        actions={(token) =>
          operator &&
          stateOf(token) === 'usable' && (
            <ActionButton
              danger
              action={revoke}
              write={async () => {
                await ok(
                  api.DELETE('/v1/sites/{siteId}/enrolment-tokens/{tokenId}', {
                    params: { path: { siteId: site.id, tokenId: token.id } },
                  }),
                )
                tokens.reload()
              }}
            >
              Revoke
            </ActionButton>
          )
        }
      />
    </section>
  )
}
