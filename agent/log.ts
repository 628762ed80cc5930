export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export type LogFields = Record<string, unknown>
export type Logger = Record<LogLevel, (msg: string, fields?: LogFields) => void>

/**
 * One JSON object per line on stdout, so journald, Docker and log shippers read it as is.
 * Callers pass fields explicitly; key material and tokens are never handed to the logger.
 */
export const createLogger = (
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger => {
  const threshold = LOG_LEVELS.indexOf(level)
  const at =
    (lineLevel: LogLevel) =>
    (msg: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(lineLevel) < threshold) return
      write(`${JSON.stringify({ time: new Date().toISOString(), level: lineLevel, msg, ...fields })}\n`)
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** The message of anything thrown. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)
