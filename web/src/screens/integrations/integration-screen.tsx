import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Integration, Item, Site } from '../../api/types'
import { Link, navigate } from '../../app/router'
import { can } from '../../session/session'
import { CopyableValue } from '../../ui/copy-button'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { hookUrlOf, NewSecret, SetupBlock } from './sender-setup'
import { kindLabel } from './settings-fields'

type Delivery = Item<'/v1/sites/{siteId}/integrations/{integrationId}/deliveries'>

/** `/sites/:siteId/integrations/:integrationId`: its setup, its secrets, and what it received or refused. */
export const IntegrationScreen = ({ siteId, integrationId }: { siteId: string; integrationId: string }) => (
  <SiteFrame siteId={siteId} tab="integrations" title="Integration">
    {(site) => <IntegrationView site={site} integrationId={integrationId} />}
  </SiteFrame>
)

const IntegrationView = ({ site, integrationId }: { site: Site; integrationId: string }) => {
  const path = { siteId: site.id, integrationId }
  const integration = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/integrations/{integrationId}', { params: { path } })),
    [site.id, integrationId],
  )
  const deliveries = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/integrations/{integrationId}/deliveries', {
          params: { path, query: { limit: 1000 } },
        }),
      ),
    [site.id, integrationId],
  )
  const refusals = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/integrations/{integrationId}/refusals', { params: { path } })),
    [site.id, integrationId],
  )
  if (integration.error) return <ErrorNotice error={integration.error} />
  if (!integration.data) return <Loading what="the integration" />
  const admin = can('admin', site.id) && site.status === 'active'
  // Deliveries come oldest first; the newest matter most here.
  const newest = deliveries.data ? [...deliveries.data.items].reverse() : undefined
  return (
    <>
      <IntegrationSummary
        site={site}
        integration={integration.data}
        admin={admin}
        onChanged={integration.reload}
      />
      <section class="card" aria-label="Deliveries">
        <h2>Deliveries</h2>
        <ErrorNotice error={deliveries.error} />
        <ListTable
          label="Deliveries"
          loading="deliveries"
          items={newest}
          empty={
            <p class="muted">
              Nothing delivered yet. Paste the setup into the sender, then send a test alert.
            </p>
          }
          columns={[
            { header: 'Received', cell: (d) => <Time at={d.received_at} /> },
            { header: 'From', cell: (d) => <code>{d.source_address}</code> },
            { header: 'Alerts', cell: (d) => <DeliveryAlerts site={site} delivery={d} /> },
            { header: 'Body', cell: (d) => <DeliveryBody delivery={d} /> },
          ]}
        />
      </section>
      <section class="card" aria-label="Refusals">
        <h2>Refused deliveries</h2>
        <ErrorNotice error={refusals.error} />
        <ListTable
          label="Refusals"
          loading="refusals"
          items={refusals.data?.items}
          rowKey={(r) => `${r.source_address} ${r.reason}`}
          empty={<p class="muted">No delivery was refused for its credentials.</p>}
          columns={[
            { header: 'From', cell: (r) => <code>{r.source_address}</code> },
            { header: 'Reason', cell: (r) => <code>{r.reason}</code> },
            { header: 'Count', cell: (r) => r.count },
            { header: 'Last', cell: (r) => <Time at={r.last_at} /> },
          ]}
        />
      </section>
    </>
  )
}

const IntegrationSummary = (props: {
  site: Site
  integration: Integration
  admin: boolean
  onChanged: () => void
}) => {
  const { integration } = props
  const path = { siteId: props.site.id, integrationId: integration.id }
  const action = useAction()
  const [secret, setSecret] = useState<string | null>(null)
  return (
    <section class="card" aria-label={`Integration ${integration.name}`}>
      <div class="page-title-row">
        <h2>{integration.name}</h2>
        {props.admin && (
          <div class="page-actions">
            <button
              type="button"
              class="button"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  const rotated = await ok(
                    api.POST('/v1/sites/{siteId}/integrations/{integrationId}/rotate-secret', {
                      params: { path },
                    }),
                  )
                  setSecret(rotated.secret)
                  props.onChanged()
                })
              }
            >
              Rotate secret
            </button>
            <button
              type="button"
              class="button"
              disabled={action.busy || integration.secrets < 2}
              title={integration.secrets < 2 ? 'Only one secret is valid' : undefined}
              onClick={() => {
                if (confirm('Retire the previous secret? Senders still using it are refused from now on.'))
                  void action.run(async () => {
                    await ok(
                      api.POST('/v1/sites/{siteId}/integrations/{integrationId}/retire-secret', {
                        params: { path },
                      }),
                    )
                    setSecret(null)
                    props.onChanged()
                  })
              }}
            >
              Retire previous secret
            </button>
            <button
              type="button"
              class="button button-danger"
              disabled={action.busy}
              onClick={() => {
                if (
                  confirm(
                    `Delete the integration “${integration.name}”? Its endpoint answers 404 from now on.`,
                  )
                )
                  void action.run(async () => {
                    await ok(
                      api.DELETE('/v1/sites/{siteId}/integrations/{integrationId}', { params: { path } }),
                    )
                    navigate(`/sites/${props.site.id}/integrations`)
                  })
              }}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      <ErrorNotice error={action.error} />
      <NewSecret
        integration={integration}
        secret={secret}
        what="A new secret. The previous one stays valid until you retire it, so senders can move over one at a time."
      />
      <dl class="run-facts">
        <div>
          <dt>Sender</dt>
          <dd>{kindLabel(integration.kind)}</dd>
        </div>
        <div>
          <dt>Valid secrets</dt>
          <dd>{integration.secrets === 2 ? '2: the new one and the previous one' : integration.secrets}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <Time at={integration.created_at} /> by {integration.created_by}
          </dd>
        </div>
        <div>
          <dt>Alerts</dt>
          <dd>
            <Link href={`/sites/${props.site.id}/alerts`}>the site’s alerts</Link>
          </dd>
        </div>
      </dl>
      <div class="field">
        <span>Hook URL</span>
        <CopyableValue label="Hook URL" value={hookUrlOf(integration)} />
      </div>
      {!secret && (
        <SetupBlock
          text={integration.setup.text}
          format={integration.setup.format}
          label="Sender setup (the secret as <secret>)"
        />
      )}
    </section>
  )
}

const DeliveryAlerts = ({ site, delivery }: { site: Site; delivery: Delivery }) =>
  delivery.alerts.length === 0 ? (
    <span class="muted">none</span>
  ) : (
    <ul class="plain-list compact">
      {delivery.alerts.map((a) => (
        <li key={a.fingerprint}>
          <Status value={a.outcome} />{' '}
          {a.alert_id ? (
            <Link href={`/sites/${site.id}/alerts/${a.alert_id}`}>
              <code>{a.fingerprint}</code>
            </Link>
          ) : (
            <code>{a.fingerprint}</code>
          )}
        </li>
      ))}
    </ul>
  )

/** The delivery's body as it came (JSON pretty-printed), folded until asked for. */
const DeliveryBody = ({ delivery }: { delivery: Delivery }) => {
  const text = delivery.body ?? (delivery.body_base64 ? `(base64) ${delivery.body_base64}` : '')
  if (!text) return <span class="muted">empty</span>
  let shown = text
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    // not JSON: as it came
  }
  return (
    <details>
      <summary>
        {delivery.method} {text.length} B
      </summary>
      <pre class="json">{shown}</pre>
    </details>
  )
}
