/**
 * The two kinds of failure in Hrana over HTTP, as sqld distinguishes them:
 * - a `StmtError` belongs to one request or batch step and is returned inside a 200 response
 *   (`{"type":"error","error":{"message","code"}}`), the stream stays usable;
 * - an `HttpError` fails the whole HTTP request (bad body, bad baton, expired stream, ...).
 */
import type { HranaError } from './protocol'

/** An error of one statement / request, reported in the results, like sqld's `StmtError`. */
export class StmtError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'StmtError'
  }

  toHrana(): HranaError {
    return { message: this.message, code: this.code }
  }
}

/** An error that fails the HTTP request; rendered as `{"message","code"}` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** sqld's `ProtocolError`: a correct client never triggers it; HTTP 400. */
export const protocolError = (code: string, message: string) => new HttpError(400, code, message)

/** sqld's `StreamError::StreamExpired` (HTTP 400 with code STREAM_EXPIRED). */
export const streamExpired = () =>
  new HttpError(400, 'STREAM_EXPIRED', 'The stream has expired due to inactivity')

/** sqld's `StmtError::TransactionTimeout`: the write transaction outlived its time and was rolled back. */
export const transactionTimeout = () => new StmtError('TRANSACTION_TIMEOUT', 'Transaction timed out')

// SQLite primary result codes, named the way sqld names them (rusqlite's ErrorCode); codes that
// rusqlite has no variant for (SQLITE_ERROR among them) become SQLITE_UNKNOWN, exactly as in sqld.
const SQLITE_CODES: Record<number, string> = {
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
}

export const SQLITE_BUSY = 5
export const SQLITE_BUSY_SNAPSHOT = 517

/** The shape of errors thrown by the `libsql` native binding. */
export interface NativeSqliteError {
  message: string
  code?: string
  rawCode?: number
}

export function isNativeSqliteError(e: unknown): e is NativeSqliteError {
  return e instanceof Error && typeof (e as NativeSqliteError).rawCode === 'number'
}

const SYNTAX_ERROR = /syntax error|incomplete input|unrecognized token/

/** True when SQLite's message is a parser error (sqld catches those in its own parser first). */
export const isSyntaxErrorMessage = (message: string) => SYNTAX_ERROR.test(message)

/** sqld's `StmtError::SqlParse`. */
export const sqlParseError = (message: string) =>
  new StmtError('SQL_PARSE_ERROR', `SQL string could not be parsed: ${message}`)

/**
 * Maps an error from SQLite to what sqld returns: parser errors become SQL_PARSE_ERROR, other
 * errors while preparing become SQL_INPUT_ERROR, errors while running become `SQLITE_<CODE>`.
 */
export function sqliteStmtError(e: NativeSqliteError, phase: 'prepare' | 'run'): StmtError {
  const primary = (e.rawCode ?? 0) & 0xff
  if (phase === 'prepare' && primary === 1) {
    return isSyntaxErrorMessage(e.message)
      ? sqlParseError(e.message)
      : new StmtError('SQL_INPUT_ERROR', `SQLite input error: ${e.message}`)
  }
  return new StmtError(SQLITE_CODES[primary] ?? 'SQLITE_UNKNOWN', `SQLite error: ${e.message}`)
}
