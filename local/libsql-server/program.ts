/**
 * Statements and batches turned into runnable programs, then run on a stream's connection — sqld's
 * `hrana/batch.rs`, `hrana/stmt.rs` and `connection/program.rs`: up-front checks (SQL text, stored
 * SQL ids, argument shape, condition step references), argument binding by SQLite parameter names,
 * batch conditions, the write lock and the write-transaction timeout.
 */
import { BusyError, type SqlConnection } from './connection'
import type { LibsqlDatabase, ParsedStatement } from './database'
import { protocolError, StmtError, transactionTimeout } from './errors'
import type {
  BatchCond,
  Batch as ProtoBatch,
  Stmt as ProtoStmt,
  StmtResult,
  Value,
  Version,
} from './protocol'
import type { StatementParams } from './sql'
import { type SqliteValue, valueToSqlite } from './values'

export interface CompiledStmt {
  parsed: ParsedStatement
  args: Value[]
  namedArgs: Map<string, Value> | undefined
  wantRows: boolean
}

export interface CompiledStep {
  stmt: CompiledStmt
  cond: BatchCond | undefined
}

/** Outcome of one step: a result, an error, or null when its condition skipped it. */
export type StepOutcome = { result: StmtResult } | { error: StmtError } | null

export interface RunContext {
  db: LibsqlDatabase
  /** Give up on SQLITE_BUSY from outside our own write lock (another process) after this long. */
  busyTimeoutMs: number
}

/** The SQL text of `sql` / `sql_id` (exactly one of them), as sqld's `proto_sql_to_sql`. */
export function resolveSql(
  sql: string | null | undefined,
  sqlId: number | null | undefined,
  sqls: ReadonlyMap<number, string>,
): string {
  const hasSql = sql !== null && sql !== undefined
  const hasId = sqlId !== null && sqlId !== undefined
  if (hasSql && hasId)
    throw protocolError('SQL_ID_AND_SQL_GIVEN', 'Either `sql` or `sql_id` are required, but not both')
  if (hasSql) return sql
  if (!hasId) throw protocolError('SQL_ID_OR_SQL_NOT_GIVEN', 'Either `sql` or `sql_id` are required')
  const stored = sqls.get(sqlId)
  if (stored === undefined) throw protocolError('SQL_NOT_FOUND', `SQL text ${sqlId} not found`)
  return stored
}

/** Checks a statement like sqld's `proto_stmt_to_query`; a StmtError fails the request or batch. */
export function compileStmt(
  db: LibsqlDatabase,
  stmt: ProtoStmt,
  sqls: ReadonlyMap<number, string>,
): CompiledStmt {
  const parsed = db.parse(resolveSql(stmt.sql, stmt.sql_id, sqls))
  if (!parsed.ok) throw parsed.error
  if (stmt.args.length > 0 && stmt.named_args.length > 0) {
    throw new StmtError(
      'ARGS_BOTH_POSITIONAL_AND_NAMED',
      'Specifying both positional and named arguments is not supported',
    )
  }
  const namedArgs =
    stmt.named_args.length > 0 ? new Map(stmt.named_args.map((arg) => [arg.name, arg.value])) : undefined
  return { parsed, args: stmt.args, namedArgs, wantRows: stmt.want_rows ?? true }
}

function checkCond(cond: BatchCond, stepIndex: number, version: Version): void {
  switch (cond.type) {
    case 'ok':
    case 'error':
      if (cond.step >= stepIndex)
        throw protocolError('BATCH_COND_BAD_STEP', 'Invalid reference to step in a batch condition')
      return
    case 'not':
      checkCond(cond.cond, stepIndex, version)
      return
    case 'and':
    case 'or':
      for (const c of cond.conds) checkCond(c, stepIndex, version)
      return
    case 'is_autocommit':
      if (version < 3) {
        throw protocolError(
          'NOT_SUPPORTED',
          'BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher',
        )
      }
  }
}

/** Checks a whole batch before running any of it (sqld's `proto_batch_to_program`). */
export function compileBatch(
  db: LibsqlDatabase,
  batch: ProtoBatch,
  sqls: ReadonlyMap<number, string>,
  version: Version,
): CompiledStep[] {
  return batch.steps.map((step, index) => {
    const stmt = compileStmt(db, step.stmt, sqls)
    const cond = step.condition ?? undefined
    if (cond) checkCond(cond, index, version)
    return { stmt, cond }
  })
}

function evalCond(cond: BatchCond, ok: readonly boolean[], isAutocommit: boolean): boolean {
  switch (cond.type) {
    case 'ok':
      return ok[cond.step] === true
    case 'error':
      return ok[cond.step] === false
    case 'not':
      return !evalCond(cond.cond, ok, isAutocommit)
    case 'and':
      return cond.conds.every((c) => evalCond(c, ok, isAutocommit))
    case 'or':
      return cond.conds.some((c) => evalCond(c, ok, isAutocommit))
    case 'is_autocommit':
      return isAutocommit
  }
}

const argsInvalid = (detail: string) =>
  new StmtError('ARGS_INVALID', `Arguments do not match SQL parameters: ${detail}`)

/** Arguments in SQLite's parameter order, resolved by name like sqld's `Params::bind`. */
export function bindArgs(params: StatementParams, stmt: CompiledStmt, isExplain: boolean): SqliteValue[] {
  const { count, names } = params
  const given = stmt.namedArgs ? stmt.namedArgs.size : stmt.args.length
  if (given > count) throw argsInvalid(`too many parameters, expected ${count} found ${given}`)
  const bound: SqliteValue[] = new Array(count)
  for (let index = 1; index <= count; index++) {
    const name = names[index - 1] ?? null
    let value: Value | undefined
    if (name?.startsWith('?')) value = stmt.namedArgs ? undefined : stmt.args[Number(name.slice(1)) - 1]
    else if (name !== null) value = stmt.namedArgs?.get(name) ?? stmt.namedArgs?.get(name.slice(1))
    else value = stmt.namedArgs ? undefined : stmt.args[index - 1]
    if (value === undefined) {
      if (isExplain) return bound.fill(null, index - 1)
      throw argsInvalid(`value for parameter ${name ?? index} not found`)
    }
    bound[index - 1] = valueToSqlite(value)
  }
  return bound
}

async function takeWriteLock(ctx: RunContext, conn: SqlConnection): Promise<void> {
  const lock = ctx.db.lock
  if (lock.mustWait(conn)) await lock.acquire(conn)
  else lock.take(conn)
}

/** Runs one checked statement; writers queue on the write lock, SQLITE_BUSY is retried. */
export async function runStmt(ctx: RunContext, conn: SqlConnection, stmt: CompiledStmt): Promise<StmtResult> {
  if (!stmt.parsed.ok) throw stmt.parsed.error
  const { sql, info } = stmt.parsed
  const args = bindArgs(info.params, stmt, info.isExplain)
  const deadline = Date.now() + ctx.busyTimeoutMs
  for (;;) {
    if (info.mayWrite) await takeWriteLock(ctx, conn)
    const wasInTransaction = conn.inTransaction
    try {
      return conn.run(sql, info, args, stmt.wantRows)
    } catch (e) {
      if (!(e instanceof BusyError) || Date.now() >= deadline) throw e
    } finally {
      ctx.db.lock.afterStatement(conn, wasInTransaction)
      if (info.touchesConnection) conn.touched = true
    }
    await ctx.db.lock.wait(Math.min(50, Math.max(1, deadline - Date.now())))
  }
}

/** sqld's check before each step: a stolen or expired write transaction is rolled back. */
function transactionTimedOut(ctx: RunContext, conn: SqlConnection): boolean {
  if (!conn.txnStolen && !ctx.db.lock.isExpiredHolder(conn)) return false
  conn.txnStolen = false
  conn.rollback()
  ctx.db.lock.release(conn)
  return true
}

/** Runs the steps of a program in order; `onStep` sees each outcome as soon as it is known. */
export async function runProgram(
  ctx: RunContext,
  conn: SqlConnection,
  steps: readonly CompiledStep[],
  onStep?: (index: number, outcome: StepOutcome) => void,
): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = []
  const ok: boolean[] = []
  let timedOut = false
  for (const [index, step] of steps.entries()) {
    timedOut ||= transactionTimedOut(ctx, conn)
    let outcome: StepOutcome
    if (timedOut) outcome = { error: transactionTimeout() }
    else if (step.cond && !evalCond(step.cond, ok, !conn.inTransaction)) outcome = null
    else {
      try {
        outcome = { result: await runStmt(ctx, conn, step.stmt) }
      } catch (e) {
        if (!(e instanceof StmtError)) throw e
        outcome = { error: e }
      }
    }
    ok.push(outcome !== null && 'result' in outcome)
    outcomes.push(outcome)
    onStep?.(index, outcome)
  }
  return outcomes
}
