import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { navigate, queryParam } from '../../app/router'
import { ErrorNotice, Loading } from '../../ui/feedback'
import { useLoad } from '../../ui/use-load'
import { EntityForm } from './entity-form'
import { InventoryFrame } from './inventory-frame'
import { ENTITY_KINDS, type EntityKind } from './report-query'
import { SiteKindFields } from './site-kind-fields'

/** A kind's attributes to start from: the one each kind requires, for a person to fill. */
const STARTER: Partial<Record<EntityKind, string>> = {
  server: '{\n  "hostname": ""\n}',
  database: '{\n  "engine": "postgresql"\n}',
}

/** `/inventory/new?kind=`: create an entity of a kind in a site the user may write to. */
export const NewEntityScreen = () => {
  const asked = queryParam('kind')
  const [kind, setKind] = useState<EntityKind>(
    (ENTITY_KINDS as readonly string[]).includes(asked) ? (asked as EntityKind) : 'server',
  )
  const sites = useLoad(() => ok(api.GET('/v1/sites', { params: { query: { limit: 1000 } } })), [])
  const [siteId, setSiteId] = useState('')
  const site = siteId || sites.data?.items[0]?.id || ''
  const fields = useLoad(
    () =>
      site
        ? ok(api.GET('/v1/sites/{siteId}/inventory/custom-fields', { params: { path: { siteId: site } } }))
        : Promise.resolve({ items: [] }),
    [site],
  )
  if (sites.error) return <ErrorNotice error={sites.error} />
  if (!sites.data || !fields.data) return <Loading what="the sites and their custom fields" />
  return (
    <InventoryFrame tab="entities" title="New entity">
      <EntityForm
        key={`${site}-${kind}`}
        label="New entity"
        submitLabel="Create entity"
        kind={kind}
        error={fields.error}
        fields={fields.data.items.filter((f) => f.kind === kind)}
        initial={{
          name: '',
          tags: '',
          restricted: false,
          attributes: STARTER[kind] ?? '{}',
          custom_fields: {},
        }}
        submit={async (checked) => {
          const created = await ok(
            api.POST('/v1/sites/{siteId}/inventory/entities', {
              params: { path: { siteId: site } },
              // The kind's own attributes were checked against its schema just before.
              body: { kind, ...checked } as never,
            }),
          )
          navigate(`/sites/${created.site_id}/inventory/${created.id}`)
        }}
      >
        <SiteKindFields
          sites={sites.data.items}
          siteId={site}
          onSite={setSiteId}
          kind={kind}
          onKind={setKind}
        />
      </EntityForm>
    </InventoryFrame>
  )
}
