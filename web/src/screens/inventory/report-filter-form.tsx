import { FILTER_OPS, type FilterDraft, RELATION_TYPES, type ReportDraft } from './report-query'

/** One filter's `field op value`, as the report and the pivot take it. */
export const FilterFields = (props: {
  filter: FilterDraft
  onChange: (change: Partial<FilterDraft>) => void
}) => (
  <>
    <label class="field">
      <span>Field</span>
      <input
        class="mono"
        value={props.filter.field}
        placeholder="attributes.environment"
        onInput={(e) => props.onChange({ field: e.currentTarget.value.trim() })}
      />
    </label>
    <label class="field">
      <span>Operator</span>
      <select
        value={props.filter.op}
        onChange={(e) => props.onChange({ op: e.currentTarget.value as FilterDraft['op'] })}
      >
        {FILTER_OPS.map((op) => (
          <option key={op} value={op}>
            {op}
          </option>
        ))}
      </select>
    </label>
    <label class="field">
      <span>Value</span>
      <input value={props.filter.value} onInput={(e) => props.onChange({ value: e.currentTarget.value })} />
    </label>
  </>
)

/**
 * The report's filters as a form: rows of `field op value` (the report API's filters), whether
 * active, tags, a relation that must exist, columns, sort, and the field to count by.
 */
export const ReportFilterForm = (props: {
  draft: ReportDraft
  onChange: (draft: ReportDraft) => void
  onApply: () => void
  /** Without the count field, for a saved report's definition. */
  counts?: boolean
}) => {
  const { draft, onChange } = props
  const setFilter = (index: number, change: Partial<FilterDraft>) =>
    onChange({
      ...draft,
      filters: draft.filters.map((f, i) => (i === index ? { ...f, ...change } : f)),
    })
  const text = (name: 'columns' | 'tag' | 'sort' | 'group_by', label: string, hint?: string) => (
    <label class="field">
      <span>{label}</span>
      <input
        class="mono"
        value={draft[name]}
        placeholder={hint}
        onInput={(e) => onChange({ ...draft, [name]: e.currentTarget.value.trim() })}
      />
    </label>
  )
  return (
    <form
      class="card form"
      aria-label="Filter entities"
      onSubmit={(e) => {
        e.preventDefault()
        props.onApply()
      }}
    >
      {draft.filters.map((filter, index) => (
        <fieldset class="form-row" aria-label={`Filter ${index + 1}`} key={index}>
          <FilterFields filter={filter} onChange={(change) => setFilter(index, change)} />
          <button
            type="button"
            class="button button-small"
            onClick={() => onChange({ ...draft, filters: draft.filters.filter((_, i) => i !== index) })}
          >
            Remove filter
          </button>
        </fieldset>
      ))}
      <div class="form-row">
        <button
          type="button"
          class="button"
          onClick={() =>
            onChange({ ...draft, filters: [...draft.filters, { field: 'name', op: 'contains', value: '' }] })
          }
        >
          Add filter
        </button>
        <label class="field">
          <span>Active</span>
          <select
            value={draft.active}
            onChange={(e) => onChange({ ...draft, active: e.currentTarget.value as ReportDraft['active'] })}
          >
            <option value="true">active</option>
            <option value="false">deactivated</option>
            <option value="all">all</option>
          </select>
        </label>
        {text('tag', 'Tags', 'prod, web')}
        <label class="field">
          <span>Has relation</span>
          <select
            value={draft.related}
            onChange={(e) => onChange({ ...draft, related: e.currentTarget.value })}
          >
            <option value="">any or none</option>
            {RELATION_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="form-row">
        {text('columns', 'Columns', 'name,attributes.hostname')}
        {text('sort', 'Sort', '-updated_at')}
        {props.counts !== false && text('group_by', 'Count by', 'attributes.environment')}
        <button type="submit" class="button button-primary">
          Apply
        </button>
      </div>
    </form>
  )
}
