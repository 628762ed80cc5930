import { useState } from 'preact/hooks'
import type { Integration, Site } from '../../api/types'
import { Link, navigate } from '../../app/router'
import { CopyableValue } from '../../ui/copy-button'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { PageHeader } from '../../ui/page'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { SiteFrame } from '../site/site-frame'
import { type Delivery, type IntegrationPlace, sitePlace, tenantPlace } from './integration-place'
import { useSiteNames } from './integrations'
import { RoutingEditor } from './routing-editor'
import { RoutingText } from './routing-fields'
import { hookUrlOf, NewSecret, SetupBlock } from './sender-setup'
import { kindLabel } from './settings-fields'

/** `/sites/:siteId/integrations/:integrationId`: its setup, its secrets, and what it received or refused. */
export const IntegrationScreen = ({ siteId, integrationId }: { siteId: string; integrationId: string }) => (
  <SiteFrame siteId={siteId} tab="integrations" title="Integration">
    {(site) => <IntegrationView place={sitePlace(site)} integrationId={integrationId} />}
  </SiteFrame>
)

/** `/integrations/:integrationId`: a tenant-wide integration, with where each delivered alert went. */
export const TenantIntegrationScreen = ({ integrationId }: { integrationId: string }) => (
  <>
    <PageHeader
      title="Integration for every site"
      crumbs={[
        { label: 'Alerts', href: '/alerts' },
        { label: 'Integrations for every site', href: '/integrations' },
      ]}
    />
    <IntegrationView place={tenantPlace()} integrationId={integrationId} />
  </>
)

const IntegrationView = ({ place, integrationId }: { place: IntegrationPlace; integrationId: string }) => {
  const integration = useLoad(() => place.get(integrationId), [place.href(integrationId)])
  const deliveries = useLoad(() => place.deliveries(integrationId), [place.href(integrationId)])
  const refusals = useLoad(() => place.refusals(integrationId), [place.href(integrationId)])
  const sites = useSiteNames(place.tenantWide)
  if (integration.error) return <ErrorNotice error={integration.error} />
  if (!integration.data) return <Loading what="the integration" />
  return (
    <>
      <IntegrationSummary
        place={place}
        integration={integration.data}
        sites={sites}
        onChanged={integration.reload}
      />
      <section class="card" aria-label="Deliveries">
        <h2>Deliveries</h2>
        <ErrorNotice error={deliveries.error} />
        <ListTable
          label="Deliveries"
          loading="deliveries"
          items={deliveries.data}
          empty={
            <p class="muted">
              Nothing delivered yet. Paste the setup into the sender, then send a test alert.
            </p>
          }
          columns={[
            { header: 'Received', cell: (d) => <Time at={d.received_at} /> },
            { header: 'From', cell: (d) => <code>{d.source_address}</code> },
            { header: 'Alerts', cell: (d) => <DeliveryAlerts place={place} delivery={d} sites={sites} /> },
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
  place: IntegrationPlace
  integration: Integration
  sites: Site[]
  onChanged: () => void
}) => {
  const { integration, place } = props
  const action = useAction()
  const [secret, setSecret] = useState<string | null>(null)
  const [rerouting, setRerouting] = useState(false)
  const reroute = place.admin ? place.reroute : undefined
  return (
    <section class="card" aria-label={`Integration ${integration.name}`}>
      <div class="page-title-row">
        <h2>{integration.name}</h2>
        {place.admin && (
          <div class="page-actions">
            <button
              type="button"
              class="button"
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  const rotated = await place.rotate(integration.id)
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
                    await place.retire(integration.id)
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
                    await place.remove(integration.id)
                    navigate(place.listHref)
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
            {integration.routing ? (
              <>
                <RoutingText routing={integration.routing} sites={props.sites} />
                {reroute && !rerouting && (
                  <>
                    {' '}
                    <button type="button" class="button button-small" onClick={() => setRerouting(true)}>
                      Change routing
                    </button>
                  </>
                )}
              </>
            ) : (
              <Link href={`/sites/${integration.site_id}/alerts`}>the site’s alerts</Link>
            )}
          </dd>
        </div>
      </dl>
      {reroute && rerouting && integration.routing && (
        <RoutingEditor
          routing={integration.routing}
          sites={props.sites}
          save={(routing) => reroute(integration.id, routing)}
          onDone={() => {
            setRerouting(false)
            props.onChanged()
          }}
        />
      )}
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

/** What each alert of a delivery led to; for a tenant-wide integration, on which site. */
const DeliveryAlerts = (props: { place: IntegrationPlace; delivery: Delivery; sites: Site[] }) =>
  props.delivery.alerts.length === 0 ? (
    <span class="muted">none</span>
  ) : (
    <ul class="plain-list compact">
      {props.delivery.alerts.map((a) => {
        const siteId = 'site_id' in a ? a.site_id : null
        return (
          <li key={a.fingerprint}>
            <Status value={a.outcome} />{' '}
            {a.alert_id ? (
              <Link href={props.place.alertHref(a.alert_id, siteId)}>
                <code>{a.fingerprint}</code>
              </Link>
            ) : (
              <code>{a.fingerprint}</code>
            )}
            {siteId && (
              <span class="muted"> at {props.sites.find((s) => s.id === siteId)?.name ?? siteId}</span>
            )}
          </li>
        )
      })}
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
