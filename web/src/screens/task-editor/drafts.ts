import type { StepDraft } from '../../api/types'

export type StepKind = 'script' | 'push' | 'fetch' | 'http'

export const stepKind = (step: StepDraft): StepKind => (step.kind === 'file' ? step.direction : step.kind)

/** A fresh step of a kind, with the fields its form shows; the platform fills in the rest. */
export const blankStep = (
  kind: StepKind,
  keep: Pick<StepDraft, 'name' | 'timeout_seconds' | 'retries'> = {},
): StepDraft => {
  switch (kind) {
    case 'script':
      return { ...keep, kind: 'script', interpreter: 'bash', body: '' }
    case 'push':
      return { ...keep, kind: 'file', direction: 'push', file_id: '', path: '', mode: '0644' }
    case 'fetch':
      return { ...keep, kind: 'file', direction: 'fetch', path: '' }
    case 'http':
      return { ...keep, kind: 'http', method: 'GET', url: '', expect_status: [200] }
  }
}

/** `NAME=value` lines (or `Name: value` with `separator` ':') to a record and back. */
export const linesToRecord = (text: string, separator: '=' | ':' = '=') =>
  Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf(separator)
        return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()]
      }),
  )

export const recordToLines = (record: Record<string, string> | undefined, separator: '=' | ':' = '=') =>
  Object.entries(record ?? {})
    .map(([k, v]) => (separator === ':' ? `${k}: ${v}` : `${k}=${v}`))
    .join('\n')

/** A number field's value, or undefined when left blank (the platform's default applies). */
export const optionalNumber = (value: string) => (value.trim() === '' ? undefined : Number(value))
