import type { ComponentChildren } from 'preact'
import { ApiFailure } from '../api/client'

/** An error as the platform reported it: its message, its code, and each field's problem. */
export const ErrorNotice = ({ error }: { error: unknown }) => {
  if (!error) return null
  const failure = error instanceof ApiFailure ? error : undefined
  const fields = failure ? fieldProblems(failure.details) : []
  return (
    <div class="notice notice-error" role="alert">
      <strong>{failure?.message ?? (error instanceof Error ? error.message : String(error))}</strong>
      {failure && (
        <span class="notice-code">
          {failure.status} · {failure.code}
        </span>
      )}
      {fields.length > 0 && (
        <ul>
          {fields.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** Validation details arrive as a list of `{path, message}` or as a map of field to messages. */
const fieldProblems = (details: unknown): string[] => {
  if (Array.isArray(details))
    return details.map((d) => {
      const { path, message } = (d ?? {}) as { path?: unknown; message?: unknown }
      return path ? `${String(path)}: ${String(message)}` : String(message ?? JSON.stringify(d))
    })
  if (details && typeof details === 'object')
    return Object.entries(details).map(([field, problem]) => `${field}: ${[problem].flat().join(', ')}`)
  return []
}

/** What an empty screen says, and what to do next. */
export const EmptyState = ({ title, children }: { title: string; children?: ComponentChildren }) => (
  <div class="empty">
    <p class="empty-title">{title}</p>
    {children && <div class="empty-next">{children}</div>}
  </div>
)

export const Loading = ({ what }: { what: string }) => (
  <p class="loading" role="status">
    Loading {what}…
  </p>
)
