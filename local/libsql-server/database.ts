/**
 * The database file and everything shared by its streams: a pool of connections (each stream gets
 * its own connection, as in sqld, but one-shot streams reuse warm ones with their prepared
 * statements), the write lock, and the parse cache that turns SQL text into a checked statement.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'libsql'
import { SqlConnection } from './connection'
import { isNativeSqliteError, isSyntaxErrorMessage, StmtError, sqlParseError } from './errors'
import { describeStatement, type StatementInfo, splitStatements } from './sql'
import { WriteLock } from './write-lock'

export interface DatabaseOptions {
  path: string
  /** How long a write transaction may hold the lock before others may steal it (sqld: 5 s). */
  txnTimeoutMs: number
  /** Called when a waiting writer steals the lock from a timed-out transaction. */
  onSteal?: (heldMs: number) => void
}

/** A statement that passed sqld's up-front checks, or the error those checks produce. */
export type ParsedStatement = { ok: true; sql: string; info: StatementInfo } | { ok: false; error: StmtError }

const MAX_IDLE_CONNECTIONS = 16
const PARSE_CACHE_SIZE = 2048

export class LibsqlDatabase {
  readonly lock: WriteLock
  readonly #path: string
  readonly #idle: SqlConnection[] = []
  readonly #open = new Set<SqlConnection>()
  readonly #parsed = new Map<string, ParsedStatement>()
  /** An empty in-memory database: preparing there finds syntax errors without touching the file. */
  #syntax: Database.Database | undefined

  constructor(options: DatabaseOptions) {
    this.#path = options.path
    this.lock = new WriteLock(options.txnTimeoutMs, options.onSteal)
    mkdirSync(dirname(options.path), { recursive: true })
    const first = this.acquire()
    first.exec('PRAGMA journal_mode = WAL')
    this.release(first)
  }

  /** A connection for a new stream. */
  acquire(): SqlConnection {
    const conn = this.#idle.pop() ?? new SqlConnection(this.#path)
    this.#open.add(conn)
    return conn
  }

  /** Ends the stream's transaction (if any) and keeps the connection for reuse when it is clean. */
  release(conn: SqlConnection): void {
    conn.rollback()
    this.lock.release(conn)
    conn.txnStolen = false
    if (conn.touched || this.#idle.length >= MAX_IDLE_CONNECTIONS) {
      this.#open.delete(conn)
      conn.close()
    } else {
      this.#idle.push(conn)
    }
  }

  /**
   * sqld parses every statement before running anything: a text without a statement, with more
   * than one, or with a syntax error is rejected up front (so a batch with a typo runs nothing).
   */
  parse(sql: string): ParsedStatement {
    const cached = this.#parsed.get(sql)
    if (cached) return cached
    const statements = splitStatements(sql)
    let parsed: ParsedStatement
    const first = statements[0]
    if (first === undefined) {
      parsed = {
        ok: false,
        error: new StmtError('SQL_NO_STATEMENT', 'SQL string does not contain any statement'),
      }
    } else {
      const syntaxError = this.#syntaxError(first)
      if (syntaxError) parsed = { ok: false, error: syntaxError }
      else if (statements.length > 1)
        parsed = {
          ok: false,
          error: new StmtError('SQL_MANY_STATEMENTS', 'SQL string contains more than one statement'),
        }
      else parsed = { ok: true, sql, info: describeStatement(first) }
    }
    if (this.#parsed.size >= PARSE_CACHE_SIZE) {
      const oldest = this.#parsed.keys().next().value
      if (oldest !== undefined) this.#parsed.delete(oldest)
    }
    this.#parsed.set(sql, parsed)
    return parsed
  }

  /** Splits a `sequence` text and parses each statement; the first failure rejects the sequence. */
  parseSequence(sql: string): { ok: true; statements: ParsedStatement[] } | { ok: false; error: StmtError } {
    const statements = splitStatements(sql).map((text) => this.parse(text))
    const failed = statements.find((s) => !s.ok)
    return failed && !failed.ok ? { ok: false, error: failed.error } : { ok: true, statements }
  }

  #syntaxError(sql: string): StmtError | undefined {
    this.#syntax ??= new Database(':memory:')
    try {
      this.#syntax.prepare(sql)
    } catch (e) {
      // only parser errors count: the empty database lacks every table, which is fine here
      if (isNativeSqliteError(e) && isSyntaxErrorMessage(e.message)) return sqlParseError(e.message)
    }
    return undefined
  }

  /** Closes every connection (open streams must have been released or are abandoned here). */
  close(): void {
    for (const conn of this.#open) conn.close()
    this.#open.clear()
    this.#idle.length = 0
    this.#syntax?.close()
    this.#syntax = undefined
  }
}
