import { useState } from 'preact/hooks'
import { api, ok } from '../../api/client'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { ListTable } from '../../ui/list-table'
import { useLoad } from '../../ui/use-load'
import { cellText } from './report-query'

/** A change's event type without the product's prefix: `entity.updated`. */
const short = (type: string) => type.replace(/^io\.sitewire\./, '')

/**
 * An entity's history: every change with who made it; the entity read as it was at one of those
 * instants (or any typed instant); and the fields that differ between two instants.
 */
export const EntityHistory = (props: { siteId: string; entityId: string; version: number }) => {
  const path = { siteId: props.siteId, entityId: props.entityId }
  const changes = useLoad(
    () => ok(api.GET('/v1/sites/{siteId}/inventory/entities/{entityId}/history', { params: { path } })),
    [props.siteId, props.entityId, props.version],
  )
  const [at, setAt] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const then = useLoad(
    () =>
      at
        ? ok(
            api.GET('/v1/sites/{siteId}/inventory/entities/{entityId}/history', {
              params: { path, query: { at } },
            }),
          )
        : Promise.resolve(undefined),
    [at],
  )
  const diff = useLoad(
    () =>
      from && to
        ? ok(
            api.GET('/v1/sites/{siteId}/inventory/entities/{entityId}/diff', {
              params: { path, query: { from, to } },
            }),
          )
        : Promise.resolve(undefined),
    [from, to],
  )
  const items = changes.data && 'items' in changes.data ? changes.data.items : undefined
  const instants = (items ?? []).map((c) => ({
    value: c.time,
    label: `v${c.version} · ${short(c.type)} · ${c.time}`,
  }))
  const picker = (label: string, value: string, set: (value: string) => void) => (
    <label class="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => set(e.currentTarget.value)}>
        <option value="">—</option>
        {instants.map((i) => (
          <option key={`${i.label}`} value={i.value}>
            {i.label}
          </option>
        ))}
      </select>
    </label>
  )
  const state = then.data && 'name' in then.data ? then.data : undefined
  return (
    <section aria-label="History">
      <h2>History</h2>
      <ErrorNotice error={changes.error} />
      <ListTable
        label="Changes"
        loading="the history"
        items={items}
        rowKey={(c) => c.seq}
        columns={[
          { header: 'Version', cell: (c) => c.version },
          { header: 'Change', cell: (c) => short(c.type) },
          { header: 'By', cell: (c) => c.actor },
          { header: 'At', cell: (c) => <span class="mono">{c.time}</span> },
        ]}
        actions={(c) => (
          <button type="button" class="button button-small" onClick={() => setAt(c.time)}>
            View as of
          </button>
        )}
      />
      <fieldset class="card form" aria-label="As of">
        <h3>As it was</h3>
        <div class="form-row">{picker('As of', at, setAt)}</div>
        <ErrorNotice error={then.error} />
        {at && !state && !then.error && <Loading what="the entity then" />}
        {state && (
          <dl class="facts" aria-label={`As of ${at}`}>
            <dt>Name</dt>
            <dd>{state.name}</dd>
            <dt>Active</dt>
            <dd>{state.active ? 'yes' : 'no'}</dd>
            <dt>Version</dt>
            <dd>{state.version}</dd>
            <dt>Tags</dt>
            <dd>{cellText(state.tags)}</dd>
            {Object.entries(state.attributes).map(([name, value]) => [
              <dt key={`a-${name}`}>{name}</dt>,
              <dd key={`v-${name}`}>{cellText(value)}</dd>,
            ])}
          </dl>
        )}
      </fieldset>
      <fieldset class="card form" aria-label="Compare">
        <h3>What changed</h3>
        <div class="form-row">
          {picker('From', from, setFrom)}
          {picker('To', to, setTo)}
        </div>
        <ErrorNotice error={diff.error} />
        {diff.data &&
          (diff.data.changes.length === 0 ? (
            <EmptyState title="Nothing changed between these instants" />
          ) : (
            <ListTable
              label="Differences"
              loading="the differences"
              items={diff.data.changes}
              rowKey={(c) => c.path}
              columns={[
                { header: 'Field', cell: (c) => <span class="mono">{c.path}</span> },
                { header: 'Before', cell: (c) => cellText(c.before) },
                { header: 'After', cell: (c) => cellText(c.after) },
              ]}
            />
          ))}
      </fieldset>
    </section>
  )
}
