/**
 * One SQLite connection to the database file, through the `libsql` native binding (the embedded
 * libSQL engine). Keeps its prepared statements, runs one statement and builds the Hrana result the
 * way sqld's `execute_query` does.
 */
import Database from 'libsql'
import {
  isNativeSqliteError,
  type NativeSqliteError,
  SQLITE_BUSY,
  SQLITE_BUSY_SNAPSHOT,
  StmtError,
  sqliteStmtError,
} from './errors'
import type { Col, DescribeResult, StmtResult, Value } from './protocol'
import type { StatementInfo } from './sql'
import { type SqliteValue, valueFromSqlite } from './values'

type NativeStatement = Database.Statement<unknown[]>

interface Prepared {
  stmt: NativeStatement
  /** Returns rows (SELECT, RETURNING, some PRAGMAs): stepped with iterate(), else run(). */
  reader: boolean
}

/** SQLITE_BUSY while another connection writes: the caller waits and tries again. */
export class BusyError extends StmtError {}

const STATEMENT_CACHE_SIZE = 256

function nativeError(e: unknown): NativeSqliteError | undefined {
  if (isNativeSqliteError(e)) return e
  // errors thrown by the binding before its own conversion carry `libsqlError`
  if (e instanceof Error && (e as { libsqlError?: unknown }).libsqlError) return e as NativeSqliteError
  return undefined
}

function stmtError(e: unknown, phase: 'prepare' | 'run'): StmtError {
  if (e instanceof StmtError) return e
  const native = nativeError(e)
  if (!native) return new StmtError('SQLITE_UNKNOWN', `SQLite error: ${String((e as Error)?.message ?? e)}`)
  const mapped = sqliteStmtError(native, phase)
  const raw = native.rawCode ?? 0
  return (raw & 0xff) === SQLITE_BUSY && raw !== SQLITE_BUSY_SNAPSHOT
    ? new BusyError(mapped.code, mapped.message)
    : mapped
}

export class SqlConnection {
  readonly #db: Database.Database
  readonly #statements = new Map<string, Prepared>()
  #changes: NativeStatement | undefined
  /** Set when a statement changed connection state (PRAGMA, ATTACH, TEMP): never reuse it. */
  touched = false
  /** Set when another connection stole this one's write lock (see WriteLock). */
  txnStolen = false

  constructor(path: string) {
    this.#db = new Database(path)
    // sqld's defaults: foreign keys on; no SQLite busy timeout: waiting happens in WriteLock,
    // asynchronously, so one waiting writer never blocks the event loop.
    this.#db.exec('PRAGMA foreign_keys = ON')
    this.#db.exec('PRAGMA synchronous = NORMAL')
  }

  /** True inside an explicit transaction (`!sqlite3_get_autocommit()`). */
  get inTransaction(): boolean {
    return this.#db.inTransaction
  }

  /** Runs SQL without results (connection setup, ROLLBACK). Throws native errors. */
  exec(sql: string): void {
    this.#db.exec(sql)
  }

  #prepare(sql: string): Prepared {
    const cached = this.#statements.get(sql)
    if (cached) return cached
    let prepared: Prepared
    try {
      const stmt = this.#db.prepare(sql) as NativeStatement
      const reader = stmt.reader
      if (reader) stmt.raw(true)
      stmt.safeIntegers(true)
      prepared = { stmt, reader }
    } catch (e) {
      throw stmtError(e, 'prepare')
    }
    if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
      const oldest = this.#statements.keys().next().value
      if (oldest !== undefined) this.#statements.delete(oldest)
    }
    this.#statements.set(sql, prepared)
    return prepared
  }

  #changesAndRowid(): [bigint, bigint] {
    this.#changes ??= (this.#db.prepare('SELECT changes(), last_insert_rowid()') as NativeStatement)
      .raw(true)
      .safeIntegers(true)
    return this.#changes.get([]) as [bigint, bigint]
  }

  /** Runs one statement; `args` are positional, already matched to the statement's parameters. */
  run(sql: string, info: StatementInfo, args: SqliteValue[], wantRows: boolean): StmtResult {
    const started = performance.now()
    const prepared = this.#prepare(sql)
    const rows: Value[][] = []
    let cols: Col[] = []
    let rowsRead = 0
    let changes = 0
    let lastRowid: string | null = null
    try {
      if (prepared.reader) {
        for (const row of prepared.stmt.iterate(args) as Iterable<unknown[]>) {
          rowsRead++
          if (wantRows) rows.push(row.map(valueFromSqlite))
        }
        // after stepping, so a statement re-prepared by a schema change reports its new columns
        cols = prepared.stmt.columns().map((c) => ({ name: c.name, decltype: c.type ?? null }))
        if (info.isIud) {
          const [n, rowid] = this.#changesAndRowid()
          changes = Number(n)
          if (info.isInsert) lastRowid = rowid.toString()
        }
      } else {
        const outcome = prepared.stmt.run(args)
        if (info.isIud) changes = outcome.changes
        if (info.isInsert) {
          const rowid = outcome.lastInsertRowid
          // the binding returns a lossy number past 2^53: ask SQLite for the exact value then
          lastRowid =
            typeof rowid === 'number' && !Number.isSafeInteger(rowid)
              ? this.#changesAndRowid()[1].toString()
              : rowid.toString()
        }
      }
    } catch (e) {
      throw stmtError(e, 'run')
    }
    return {
      cols,
      rows,
      affected_row_count: changes,
      last_insert_rowid: lastRowid,
      replication_index: null,
      rows_read: rowsRead,
      rows_written: changes,
      query_duration_ms: performance.now() - started,
    }
  }

  describe(sql: string, info: StatementInfo): DescribeResult {
    const prepared = this.#prepare(sql)
    return {
      params: info.params.names.map((name) => ({ name })),
      cols: prepared.stmt.columns().map((c) => ({ name: c.name, decltype: c.type ?? null })),
      is_explain: info.isExplain,
      is_readonly: info.isReadonly,
    }
  }

  /** Ends any open transaction (like dropping a connection in sqld). Never throws. */
  rollback(): void {
    if (!this.#db.inTransaction) return
    try {
      this.#db.exec('ROLLBACK')
    } catch {
      // no transaction after all (SQLite may have rolled it back itself)
    }
  }

  close(): void {
    this.rollback()
    this.#statements.clear()
    this.#changes = undefined
    try {
      this.#db.close()
    } catch {
      // already closed
    }
  }
}
