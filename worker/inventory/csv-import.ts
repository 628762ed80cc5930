import Papa from 'papaparse'
import * as v from 'valibot'
import { CreateEntityBody, type ImportProblem } from '../../schema/api/inventory'
import type { EntityDefinition } from '../../schema/inventory/entity'
import type { EntityKind } from '../../schema/inventory/kinds'
import { apiError } from '../http/errors'

/** One data line of an import: its definition, or why it has none. */
export type ImportCandidate =
  | { line: number; definition: EntityDefinition }
  | { line: number; errors: ImportProblem[] }

const COLUMN = /^(name|team_id|tags|restricted|(attributes|custom_fields)(\.[a-z0-9_]+)+)$/

/**
 * A cell as a value: JSON where it reads as a number, a boolean, a list or an object
 * (`4096`, `true`, `["10.0.0.1"]`), text otherwise.
 */
const cellValue = (text: string): unknown => {
  if (/^(-?\d+(\.\d+)?|true|false)$/.test(text) || /^[[{]/.test(text)) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

const setPath = (target: Record<string, unknown>, path: string[], value: unknown) => {
  const [head, ...rest] = path
  if (head === undefined) return
  if (rest.length === 0) {
    target[head] = value
    return
  }
  const next = (target[head] ?? {}) as Record<string, unknown>
  target[head] = next
  setPath(next, rest, value)
}

/**
 * Reads a CSV of entities of one kind (RFC 4180, a header row naming `name`, `team_id`, `tags`
 * separated by `;`, `restricted`, `attributes.…` and `custom_fields.…`) into one candidate per
 * line, each checked against the kind's schema. A header naming anything else refuses the file.
 */
export const readImport = (csv: string, kind: EntityKind): ImportCandidate[] => {
  const parsed = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ''), { skipEmptyLines: true })
  const [header, ...rows] = parsed.data
  if (!header || header.length === 0) throw apiError(400, 'validation_failed', 'the CSV has no header row')
  const unknown = header.filter((column) => !COLUMN.test(column))
  if (unknown.length > 0)
    throw apiError(
      400,
      'validation_failed',
      'the header names columns an entity does not have',
      unknown.map((column) => ({
        path: column,
        message: 'name, team_id, tags, restricted, attributes.… or custom_fields.…',
      })),
    )
  return rows.map((cells, index) => {
    const line = index + 2
    const input: Record<string, unknown> = { kind, attributes: {}, custom_fields: {} }
    header.forEach((column, i) => {
      const text = cells[i]?.trim() ?? ''
      if (text === '') return
      if (column === 'tags') input.tags = text.split(';').map((tag) => tag.trim())
      else if (column === 'name' || column === 'team_id') input[column] = text
      else if (column === 'restricted') input.restricted = cellValue(text)
      else setPath(input, column.split('.'), cellValue(text))
    })
    if (cells.length !== header.length)
      return {
        line,
        errors: [{ path: '', message: `the line has ${cells.length} fields, the header ${header.length}` }],
      }
    const result = v.safeParse(CreateEntityBody, input)
    if (result.success) return { line, definition: result.output }
    return {
      line,
      errors: result.issues.map((issue) => ({
        path: (issue.path ?? []).map((item) => String(item.key)).join('.'),
        message: issue.message,
      })),
    }
  })
}
