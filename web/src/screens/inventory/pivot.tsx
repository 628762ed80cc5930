import { useState } from 'preact/hooks'
import type { PivotNode } from '../../../../schema/api/inventory-reports'
import { api, ok } from '../../api/client'
import { Link, navigate, route } from '../../app/router'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { useLoad } from '../../ui/use-load'
import { InventoryFrame } from './inventory-frame'
import { FilterFields } from './report-filter-form'
import { FILTER_OPS, type FilterDraft } from './report-query'

const DEFAULT_CHAIN = 'client,owned_by,system,member_of,application,runs_on,server'

interface LevelFilter extends FilterDraft {
  level: number
}

const pivotFromSearch = (search: string) => {
  const params = new URLSearchParams(search)
  const filters = params.getAll('filter').flatMap((text): LevelFilter[] => {
    const [level = '', field = '', op = '', ...rest] = text.split(':')
    return (FILTER_OPS as readonly string[]).includes(op)
      ? [{ level: Number(level), field, op: op as FilterDraft['op'], value: rest.join(':') }]
      : []
  })
  return { chain: params.get('chain') || DEFAULT_CHAIN, active: params.get('active') || 'true', filters }
}
type PivotDraft = ReturnType<typeof pivotFromSearch>

const pivotSearch = (pivot: PivotDraft) => {
  const params = new URLSearchParams({ chain: pivot.chain, active: pivot.active })
  for (const f of pivot.filters)
    if (f.field) params.append('filter', `${f.level}:${f.field}:${f.op}:${f.value}`)
  return params.toString()
}

const Branch = ({ nodes }: { nodes: PivotNode[] }) => (
  <ul class="pivot-tree">
    {nodes.map((node) => (
      <li key={`${node.id}`}>
        <span class="muted small">{node.kind.replace('_', ' ')}</span>{' '}
        <Link href={`/sites/${node.site_id}/inventory/${node.id}`}>{node.name}</Link>
        {node.children.length > 0 && <Branch nodes={node.children} />}
      </li>
    ))}
  </ul>
)

/** `/inventory/pivot`: the inventory along a chain of relations (client → system → application → server), filtered at any level. */
export const PivotScreen = () => {
  const search = route.value.search
  const pivot = pivotFromSearch(search)
  const [draft, setDraft] = useState(pivot)
  const key = pivotSearch(pivot)
  const tree = useLoad(
    () =>
      ok(
        api.GET('/v1/inventory/reports/pivot', {
          params: { query: { chain: pivot.chain } },
          querySerializer: () => key,
        }),
      ),
    [key],
  )
  const kinds = draft.chain.split(',').filter((_, i) => i % 2 === 0)
  const setFilter = (index: number, change: Partial<LevelFilter>) =>
    setDraft({ ...draft, filters: draft.filters.map((f, i) => (i === index ? { ...f, ...change } : f)) })
  // The API answers nodes whose children are nodes of the same shape.
  const roots = tree.data?.roots as PivotNode[] | undefined
  return (
    <InventoryFrame tab="pivot">
      <form
        class="card form"
        aria-label="Pivot"
        onSubmit={(e) => {
          e.preventDefault()
          navigate(`/inventory/pivot?${pivotSearch(draft)}`)
        }}
      >
        <div class="form-row">
          <label class="field field-wide">
            <span>Chain (kind, relation, kind, …)</span>
            <input
              class="mono"
              value={draft.chain}
              onInput={(e) => setDraft({ ...draft, chain: e.currentTarget.value.replace(/\s/g, '') })}
            />
          </label>
          <label class="field">
            <span>Active</span>
            <select
              value={draft.active}
              onChange={(e) => setDraft({ ...draft, active: e.currentTarget.value })}
            >
              <option value="true">active</option>
              <option value="false">deactivated</option>
              <option value="all">all</option>
            </select>
          </label>
        </div>
        {draft.filters.map((filter, index) => (
          <fieldset class="form-row" aria-label={`Filter ${index + 1}`} key={index}>
            <label class="field">
              <span>Level</span>
              <select
                value={filter.level}
                onChange={(e) => setFilter(index, { level: Number(e.currentTarget.value) })}
              >
                {kinds.map((kind, level) => (
                  <option key={level} value={level}>
                    {level} · {kind}
                  </option>
                ))}
              </select>
            </label>
            <FilterFields filter={filter} onChange={(change) => setFilter(index, change)} />
            <button
              type="button"
              class="button button-small"
              onClick={() => setDraft({ ...draft, filters: draft.filters.filter((_, i) => i !== index) })}
            >
              Remove filter
            </button>
          </fieldset>
        ))}
        <div class="form-actions">
          <button
            type="button"
            class="button"
            onClick={() =>
              setDraft({
                ...draft,
                filters: [...draft.filters, { level: 0, field: 'name', op: 'contains', value: '' }],
              })
            }
          >
            Add filter
          </button>
          <button type="submit" class="button button-primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorNotice error={tree.error} />
      {!tree.data && !tree.error && <Loading what="the pivot" />}
      {tree.data && (
        <section class="card" aria-label="Pivot tree">
          <p class="muted">
            {tree.data.chain
              .filter((_, i) => i % 2 === 0)
              .map((kind, level) => `${tree.data?.counts[level] ?? 0} ${kind}`)
              .join(' → ')}
          </p>
          {roots && roots.length > 0 ? (
            <Branch nodes={roots} />
          ) : (
            <EmptyState title="Nothing along this chain">
              Relate entities (owned_by, member_of, runs_on…) or loosen the filters.
            </EmptyState>
          )}
        </section>
      )}
    </InventoryFrame>
  )
}
