import { api, ok } from '../../api/client'
import { queryParam, setQuery } from '../../app/router'
import { EmptyState, ErrorNotice, Loading } from '../../ui/feedback'
import { useLoad } from '../../ui/use-load'
import { useQueryDraft } from '../../ui/use-query-draft'
import { AccessFrame } from './access-frame'
import { AuditTable } from './audit-table'

const FILTERS = [
  { name: 'action', label: 'Action', placeholder: 'api_key.create' },
  { name: 'actor_id', label: 'Actor id', placeholder: 'a user or key id' },
  { name: 'object_id', label: 'Object id', placeholder: 'what was changed' },
  { name: 'site_id', label: 'Site id', placeholder: '' },
] as const
type FilterName = (typeof FILTERS)[number]['name']

/** `/access/audit`: every change of access, sign-in and write, newest first, filtered. */
export const AuditScreen = () => {
  const filter = Object.fromEntries(FILTERS.map((f) => [f.name, queryParam(f.name)])) as Record<
    FilterName,
    string
  >
  const [draft, setDraft, search] = useQueryDraft(filter)
  const entries = useLoad(
    () =>
      ok(
        api.GET('/v1/audit', {
          params: {
            query: { limit: 200, ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)) },
          },
        }),
      ),
    [search],
  )
  return (
    <AccessFrame tab="audit">
      <form
        class="card toolbar"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery(Object.fromEntries(FILTERS.map((f) => [f.name, draft[f.name].trim() || undefined])), {
            push: true,
          })
        }}
      >
        {FILTERS.map((f) => (
          <label class="field field-inline" key={f.name}>
            <span>{f.label}</span>
            <input
              class="mono"
              placeholder={f.placeholder}
              value={draft[f.name]}
              onInput={(e) => setDraft({ ...draft, [f.name]: e.currentTarget.value })}
            />
          </label>
        ))}
        <button type="submit" class="button button-primary">
          Apply
        </button>
      </form>
      <ErrorNotice error={entries.error} />
      {!entries.data ? (
        <Loading what="the audit log" />
      ) : entries.data.items.length === 0 ? (
        <EmptyState title="No audit entry matches">Clear a filter to see more.</EmptyState>
      ) : (
        <div class="card">
          <AuditTable entries={entries.data.items} />
        </div>
      )}
    </AccessFrame>
  )
}
