/**
 * Structured logs: one JSON object per line, with a level and a message. Callers pass
 * fields, never secrets; `redact` guards the keys that could carry one anyway.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }
const SECRET_KEYS = /authorization|token|secret|password|api_key|cookie/i

let threshold: LogLevel = 'info'

export const setLogLevel = (level: string | undefined) => {
  if (level && level in RANK) threshold = level as LogLevel
}

const redact = (fields: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(fields).map(([k, value]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : value]),
  )

export const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
  if (RANK[level] < RANK[threshold]) return
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...redact(fields) })
  if (level === 'error') console.error(line)
  else console.log(line)
}

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))
