import { useState } from 'preact/hooks'
import * as v from 'valibot'
import {
  type CustomFieldDefinition,
  type CustomFieldValue,
  customFieldProblem,
} from '../../../../schema/inventory/custom-fields'
import { Tags } from '../../../../schema/inventory/entity'
import { type EntityKind, KIND_ATTRIBUTES } from '../../../../schema/inventory/kinds'
import { ApiFailure } from '../../api/client'
import { ActionForm } from '../../ui/action-form'

/** What the form edits, as text where a person types it. */
export interface EntityDraft {
  name: string
  tags: string
  restricted: boolean
  attributes: string
  custom_fields: Record<string, CustomFieldValue | undefined>
}

export interface EntityProblem {
  path: string
  message: string
}

/** The draft as the API's fields, or the problems the API would answer (400 with a detail per field). */
export const checkDraft = (
  kind: EntityKind,
  draft: EntityDraft,
  fields: readonly CustomFieldDefinition[],
):
  | {
      ok: true
      entity: {
        name: string
        tags: string[]
        restricted: boolean
        attributes: Record<string, unknown>
        custom_fields: Record<string, CustomFieldValue>
      }
    }
  | { ok: false; problems: EntityProblem[] } => {
  const problems: EntityProblem[] = []
  if (!draft.name.trim()) problems.push({ path: 'name', message: 'name is required' })
  const tags = draft.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  const tagCheck = v.safeParse(Tags, tags)
  if (!tagCheck.success) problems.push({ path: 'tags', message: tagCheck.issues[0].message })
  let attributes: Record<string, unknown> = {}
  try {
    attributes = JSON.parse(draft.attributes || '{}') as Record<string, unknown>
  } catch {
    problems.push({ path: 'attributes', message: 'must be a JSON object' })
  }
  const checked = v.safeParse(KIND_ATTRIBUTES[kind], attributes)
  if (!checked.success)
    for (const issue of checked.issues)
      problems.push({
        path: ['attributes', ...(issue.path ?? []).map((item) => String(item.key))].join('.'),
        message: issue.message,
      })
  const custom_fields: Record<string, CustomFieldValue> = {}
  for (const field of fields) {
    const value = draft.custom_fields[field.name]
    if (value === undefined || value === '') {
      if (field.required) problems.push({ path: `custom_fields.${field.name}`, message: 'is required' })
      continue
    }
    const problem = customFieldProblem(field, value)
    if (problem) problems.push({ path: `custom_fields.${field.name}`, message: problem })
    custom_fields[field.name] = value
  }
  return problems.length > 0
    ? { ok: false, problems }
    : {
        ok: true,
        entity: { name: draft.name.trim(), tags, restricted: draft.restricted, attributes, custom_fields },
      }
}

/** The form's problems shown the way the API's own 400 shows. */
export const draftFailure = (problems: EntityProblem[]) =>
  new ApiFailure(400, 'validation_failed', 'some fields are not valid', problems)

/** An input for one custom field, typed as its definition says. */
const CustomFieldInput = (props: {
  field: CustomFieldDefinition
  value: CustomFieldValue | undefined
  onChange: (value: CustomFieldValue | undefined) => void
}) => {
  const { field, value, onChange } = props
  const label = `${field.name}${field.required ? ' (required)' : ''}`
  if (field.type === 'boolean')
    return (
      <label class="checkbox">
        <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
        <span>{label}</span>
      </label>
    )
  if (field.type === 'select' || field.type === 'multi_select')
    return (
      <label class="field">
        <span>{label}</span>
        <select
          multiple={field.type === 'multi_select'}
          value={field.type === 'select' ? String(value ?? '') : undefined}
          onChange={(e) => {
            const chosen = [...e.currentTarget.selectedOptions].map((o) => o.value).filter(Boolean)
            onChange(field.type === 'select' ? chosen[0] : chosen)
          }}
        >
          {field.type === 'select' && <option value="">—</option>}
          {field.choices?.map((choice) => (
            <option
              key={choice}
              value={choice}
              selected={Array.isArray(value) ? value.includes(choice) : value === choice}
            >
              {choice}
            </option>
          ))}
        </select>
      </label>
    )
  if (field.type === 'date')
    return (
      <label class="field">
        <span>{label}</span>
        <input
          type="date"
          value={typeof value === 'string' ? value : ''}
          onInput={(e) => onChange(e.currentTarget.value || undefined)}
        />
      </label>
    )
  return (
    <label class="field">
      <span>{label}</span>
      <input
        inputMode={field.type === 'integer' ? 'numeric' : undefined}
        value={value === undefined ? '' : String(value)}
        onInput={(e) => {
          const text = e.currentTarget.value
          if (field.type === 'integer')
            onChange(text === '' ? undefined : /^-?\d+$/.test(text) ? Number(text) : text)
          else onChange(text === '' ? undefined : text)
        }}
      />
    </label>
  )
}

/**
 * The fields of an entity, for a create or an edit: name, tags, restricted, the kind's attributes
 * as JSON, and each custom field the kind defines. Checked here as the API checks them (the same
 * schemas), so a mistake shows before the write; the API's own answer shows too.
 */
export const EntityForm = (props: {
  label: string
  submitLabel: string
  kind: EntityKind
  initial: EntityDraft
  fields: readonly CustomFieldDefinition[]
  error?: unknown
  submit: (entity: Extract<ReturnType<typeof checkDraft>, { ok: true }>['entity']) => Promise<unknown>
  buttons?: preact.ComponentChildren
  children?: preact.ComponentChildren
}) => {
  const [draft, setDraft] = useState(props.initial)
  return (
    <ActionForm
      label={props.label}
      layout="stacked"
      submitLabel={props.submitLabel}
      error={props.error}
      buttons={props.buttons}
      submit={async () => {
        const checked = checkDraft(props.kind, draft, props.fields)
        if (!checked.ok) throw draftFailure(checked.problems)
        await props.submit(checked.entity)
      }}
    >
      <div class="form-row">
        {props.children}
        <label class="field">
          <span>Name</span>
          <input value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>Tags</span>
          <input
            value={draft.tags}
            placeholder="prod, web"
            onInput={(e) => setDraft({ ...draft, tags: e.currentTarget.value })}
          />
        </label>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={draft.restricted}
            onChange={(e) => setDraft({ ...draft, restricted: e.currentTarget.checked })}
          />
          <span>Restricted (reached only through grants)</span>
        </label>
      </div>
      <label class="field">
        <span>Attributes (JSON)</span>
        <textarea
          class="mono"
          rows={6}
          spellcheck={false}
          value={draft.attributes}
          onInput={(e) => setDraft({ ...draft, attributes: e.currentTarget.value })}
        />
      </label>
      {props.fields.length > 0 && (
        <fieldset class="form-row">
          <legend>Custom fields</legend>
          {props.fields.map((field) => (
            <CustomFieldInput
              key={field.name}
              field={field}
              value={draft.custom_fields[field.name]}
              onChange={(value) =>
                setDraft({ ...draft, custom_fields: { ...draft.custom_fields, [field.name]: value } })
              }
            />
          ))}
        </fieldset>
      )}
    </ActionForm>
  )
}
