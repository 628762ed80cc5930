import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import type { Answer, Item } from '../../api/types'
import { Link } from '../../app/router'
import { ActionButton } from '../../ui/action-button'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { Status, Time } from '../../ui/format'
import { ListTable } from '../../ui/list-table'
import { useAction } from '../../ui/use-action'
import { useLoad } from '../../ui/use-load'
import { EntityForm } from './entity-form'
import { EntityHistory } from './entity-history'
import { InventoryFrame } from './inventory-frame'
import { cellText } from './report-query'

type Entity = Answer<'/v1/sites/{siteId}/inventory/entities/{entityId}'>
type Relation = Item<'/v1/sites/{siteId}/inventory/relations'>

/** The entity at the other end of a relation, as far as the user may read it. */
interface RelatedEnd {
  relation: Relation
  direction: 'to' | 'from'
  siteId: string
  id: string
  name: string | null
  kind: string
}

const relatedEnds = async (entity: Entity, relations: Relation[]): Promise<RelatedEnd[]> =>
  Promise.all(
    relations.map(async (relation) => {
      const outgoing = relation.from_id === entity.id
      const siteId = outgoing ? relation.to_site_id : relation.site_id
      const id = outgoing ? relation.to_id : relation.from_id
      const { data } = await api.GET('/v1/sites/{siteId}/inventory/entities/{entityId}', {
        params: { path: { siteId, entityId: id } },
      })
      return {
        relation,
        direction: outgoing ? 'to' : 'from',
        siteId,
        id,
        name: data?.name ?? null,
        kind: outgoing ? relation.to_kind : relation.from_kind,
      } satisfies RelatedEnd
    }),
  )

/** `/sites/:siteId/inventory/:entityId`: an entity's fields, relations, grants and history; edit, deactivate, restore. */
export const EntityScreen = ({ siteId, entityId }: { siteId: string; entityId: string }) => {
  const path = { siteId, entityId }
  const entity = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/inventory/entities/{entityId}', { params: { path } })),
    [siteId, entityId],
  )
  const [editing, setEditing] = useState(false)
  const action = useAction()
  if (entity.error) return <ErrorNotice error={entity.error} />
  if (!entity.data) return <Loading what="the entity" />
  const current = entity.data
  const writes = current.access === 'write' || current.access === 'admin'
  const changed = () => {
    setEditing(false)
    entity.reload()
  }
  return (
    <InventoryFrame
      tab="entities"
      title={current.name}
      actions={
        <>
          {writes && current.active && (
            <button type="button" class="button" onClick={() => setEditing(!editing)}>
              {editing ? 'Close editor' : 'Edit'}
            </button>
          )}
          {current.access === 'admin' && (
            <ActionButton
              action={action}
              danger={current.active}
              confirm={current.active ? `Deactivate ${current.name}?` : undefined}
              write={async () => {
                await ok(
                  current.active
                    ? api.DELETE('/v1/sites/{siteId}/inventory/entities/{entityId}', { params: { path } })
                    : api.POST('/v1/sites/{siteId}/inventory/entities/{entityId}/restore', {
                        params: { path },
                      }),
                )
                changed()
              }}
            >
              {current.active ? 'Deactivate' : 'Restore'}
            </ActionButton>
          )}
        </>
      }
    >
      <ErrorNotice error={action.error} />
      {editing && <EditEntity entity={current} onSaved={changed} />}
      <EntityFields entity={current} />
      <Relations entity={current} />
      {current.access === 'admin' && <Grants siteId={siteId} entityId={entityId} />}
      <EntityHistory siteId={siteId} entityId={entityId} version={current.version} />
    </InventoryFrame>
  )
}

const EntityFields = ({ entity }: { entity: Entity }) => (
  <section class="card" aria-label={`Entity ${entity.name}`}>
    <h2>
      {entity.kind.replace('_', ' ')} <Status value={entity.active ? 'active' : 'inactive'} />{' '}
      <span class="muted small">version {entity.version}</span>
    </h2>
    <dl class="facts">
      <dt>Site</dt>
      <dd>
        <Link href={`/sites/${entity.site_id}`}>{entity.site_id}</Link>
      </dd>
      <dt>Tags</dt>
      <dd>{cellText(entity.tags)}</dd>
      <dt>Team</dt>
      <dd>{cellText(entity.team_id)}</dd>
      <dt>Restricted</dt>
      <dd>{entity.restricted ? 'yes: reached only through grants' : 'no'}</dd>
      <dt>Your access</dt>
      <dd>{entity.access}</dd>
      {Object.entries(entity.attributes).map(([name, value]) => [
        <dt key={`a-${name}`}>{name}</dt>,
        <dd key={`v-${name}`}>{cellText(value)}</dd>,
      ])}
      {Object.entries(entity.custom_fields).map(([name, value]) => [
        <dt key={`c-${name}`}>{name} (custom)</dt>,
        <dd key={`cv-${name}`}>{cellText(value)}</dd>,
      ])}
      <dt>Created</dt>
      <dd>
        <Time at={entity.created_at} /> by {entity.created_by}
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time at={entity.updated_at} /> by {entity.updated_by}
      </dd>
    </dl>
  </section>
)

/** A change sends the attributes and custom fields whole; a key taken out is sent as null, which removes it. */
const removed = (before: Record<string, unknown>, after: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(before).flatMap((key) => (key in after ? [] : [[key, null]])))

const EditEntity = ({ entity, onSaved }: { entity: Entity; onSaved: () => void }) => {
  const path = { siteId: entity.site_id, entityId: entity.id }
  const fields = useLoad(
    () =>
      ok(
        api.GET('/v1/sites/{siteId}/inventory/custom-fields', {
          params: { path: { siteId: entity.site_id } },
        }),
      ),
    [entity.site_id],
  )
  if (!fields.data)
    return fields.error ? <ErrorNotice error={fields.error} /> : <Loading what="custom fields" />
  return (
    <EntityForm
      label="Edit entity"
      submitLabel="Save changes"
      kind={entity.kind}
      fields={fields.data.items.filter((f) => f.kind === entity.kind)}
      initial={{
        name: entity.name,
        tags: entity.tags.join(', '),
        restricted: entity.restricted,
        attributes: JSON.stringify(entity.attributes, null, 2),
        custom_fields: entity.custom_fields,
      }}
      submit={async (checked) => {
        await ok(
          api.PATCH('/v1/sites/{siteId}/inventory/entities/{entityId}', {
            params: { path },
            body: {
              name: checked.name,
              tags: checked.tags,
              restricted: checked.restricted,
              attributes: { ...removed(entity.attributes, checked.attributes), ...checked.attributes },
              custom_fields: {
                ...removed(entity.custom_fields, checked.custom_fields),
                ...checked.custom_fields,
              },
            },
          }),
        )
        onSaved()
      }}
    />
  )
}

const Relations = ({ entity }: { entity: Entity }) => {
  const ends = useLoad(async () => {
    const relations = await ok(
      api.GET('/v1/sites/{siteId}/inventory/relations', {
        params: { path: { siteId: entity.site_id }, query: { entity_id: entity.id, limit: 500 } },
      }),
    )
    return relatedEnds(entity, relations.items)
  }, [entity.id, entity.version])
  return (
    <section aria-label="Relations">
      <h2>Relations</h2>
      <ErrorNotice error={ends.error} />
      <ListTable
        label="Relations"
        loading="relations"
        items={ends.data}
        rowKey={(end) => end.relation.id}
        empty={
          <EmptyState title="No relations">
            Relate it with the API (`POST …/inventory/relations`) or `sitewire inventory` import.
          </EmptyState>
        }
        columns={[
          {
            header: 'Relation',
            cell: (end) => (end.direction === 'to' ? end.relation.type : `${end.relation.type} (from)`),
          },
          {
            header: 'Entity',
            cell: (end) =>
              end.name === null ? (
                <span class="muted">{end.id} (not readable)</span>
              ) : (
                <Link href={`/sites/${end.siteId}/inventory/${end.id}`}>{end.name}</Link>
              ),
          },
          { header: 'Kind', cell: (end) => end.kind },
          { header: 'Since', cell: (end) => <Time at={end.relation.created_at} /> },
        ]}
      />
    </section>
  )
}

const Grants = ({ siteId, entityId }: { siteId: string; entityId: string }) => {
  const path = { siteId, entityId }
  const grants = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/inventory/entities/{entityId}/grants', { params: { path } })),
    [siteId, entityId],
  )
  const action = useAction()
  return (
    <section aria-label="Grants">
      <h2>Grants</h2>
      <ErrorNotice error={grants.error ?? action.error} />
      <ListTable
        label="Grants"
        loading="grants"
        items={grants.data?.items}
        empty={
          <EmptyState title="No grants">
            The site’s roles reach it{' '}
            {`(POST …/entities/${entityId}/grants gives a user or a team read, write or admin on it)`}.
          </EmptyState>
        }
        columns={[
          { header: 'Subject', cell: (g) => `${g.subject.type} ${g.subject.id}` },
          { header: 'Level', cell: (g) => g.level },
          { header: 'Granted', cell: (g) => <Time at={g.created_at} /> },
          { header: 'By', cell: (g) => g.created_by },
        ]}
        actions={(g) => (
          <ActionButton
            action={action}
            danger
            confirm={`Revoke ${g.level} from ${g.subject.type} ${g.subject.id}?`}
            write={async () => {
              await ok(
                api.DELETE('/v1/sites/{siteId}/inventory/entities/{entityId}/grants/{grantId}', {
                  params: { path: { ...path, grantId: g.id } },
                }),
              )
              grants.reload()
            }}
          >
            Revoke
          </ActionButton>
        )}
      />
    </section>
  )
}
