import type { ParamDraft } from '../../api/types'
import { ParsedField } from '../../ui/parsed-field'
import type { KeyedList } from '../../ui/use-keyed-list'

type ParamType = ParamDraft['type']

/** A default typed as the parameter says; blank means none. */
const typedValue = (type: ParamType, text: string): ParamDraft['default'] => {
  if (text === '') return undefined
  if (type === 'number') return Number(text)
  if (type === 'boolean') return text === 'true'
  return text
}

const typedChoices = (type: ParamType, text: string) => {
  const choices = text
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) => (type === 'number' ? Number(c) : c))
  return choices.length > 0 ? choices : undefined
}

/** The task's typed parameters: what `{{ params.NAME }}` can name, and what a run must give. */
export const ParamsEditor = ({ params }: { params: KeyedList<ParamDraft> }) => {
  const set = (index: number, changes: Partial<ParamDraft>) =>
    params.set(index, { ...(params.values[index] as ParamDraft), ...changes })
  return (
    <fieldset class="card">
      <legend>Parameters</legend>
      {params.items.length === 0 && (
        <p class="muted">No parameters. Add one to use {'{{ params.NAME }}'} in the steps.</p>
      )}
      {params.values.map((param, index) => (
        <div class="form-row param-row" key={params.items[index]?.key}>
          <label class="field">
            <span>Name</span>
            <input value={param.name} onInput={(e) => set(index, { name: e.currentTarget.value })} />
          </label>
          <label class="field field-narrow">
            <span>Type</span>
            <select
              value={param.type}
              onChange={(e) =>
                set(index, {
                  type: e.currentTarget.value as ParamType,
                  default: undefined,
                  choices: undefined,
                })
              }
            >
              <option>string</option>
              <option>number</option>
              <option>boolean</option>
            </select>
          </label>
          {param.type === 'boolean' ? (
            <label class="field field-narrow">
              <span>Default</span>
              <select
                value={param.default === undefined ? '' : String(param.default)}
                onChange={(e) => set(index, { default: typedValue('boolean', e.currentTarget.value) })}
              >
                <option value="">none</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            </label>
          ) : (
            <label class="field">
              <span>Default</span>
              <input
                inputMode={param.type === 'number' ? 'decimal' : 'text'}
                value={param.default === undefined ? '' : String(param.default)}
                onInput={(e) => set(index, { default: typedValue(param.type, e.currentTarget.value) })}
              />
            </label>
          )}
          {param.type !== 'boolean' && (
            <ParsedField
              label="Choices (comma-separated)"
              value={param.choices}
              format={(choices) => (choices ?? []).join(', ')}
              parse={(text) => typedChoices(param.type, text)}
              onChange={(choices) => set(index, { choices })}
            />
          )}
          <label class="field">
            <span>Description</span>
            <input
              value={param.description ?? ''}
              onInput={(e) => set(index, { description: e.currentTarget.value || undefined })}
            />
          </label>
          <label class="checkbox">
            <input
              type="checkbox"
              checked={param.required ?? false}
              onChange={(e) => set(index, { required: e.currentTarget.checked })}
            />
            Required
          </label>
          <button
            type="button"
            class="button button-small button-danger"
            onClick={() => params.remove(index)}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        class="button button-small"
        onClick={() => params.add({ name: '', type: 'string' })}
      >
        Add parameter
      </button>
    </fieldset>
  )
}
