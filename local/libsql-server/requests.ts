/**
 * The stream requests of a pipeline (sqld's `hrana/http/request.rs`): each returns a StreamResult;
 * statement-level failures become `{type: "error"}` results, protocol violations throw HttpError
 * and fail the whole HTTP request.
 */
import type { SqlConnection } from './connection'
import { protocolError, StmtError } from './errors'
import {
  compileBatch,
  compileStmt,
  type RunContext,
  resolveSql,
  runProgram,
  type StepOutcome,
} from './program'
import type { BatchResult, StreamRequest, StreamResponse, StreamResult, Version } from './protocol'
import type { Stream, StreamRegistry } from './streams'

export interface RequestContext extends RunContext {
  streams: StreamRegistry
  version: Version
}

/** sqld limits on stored SQL texts per stream. */
const MAX_SQL_COUNT = 50
const MAX_STORED_SQL_BYTES = 5000

/** The stream's connection; a request after `close` on the same stream is a protocol error. */
export function streamConnection(stream: Stream): SqlConnection {
  if (!stream.conn) throw protocolError('BATON_STREAM_CLOSED', 'Stream for this baton was closed')
  return stream.conn
}

export function batchResult(outcomes: readonly StepOutcome[]): BatchResult {
  return {
    step_results: outcomes.map((o) => (o && 'result' in o ? o.result : null)),
    step_errors: outcomes.map((o) => (o && 'error' in o ? o.error.toHrana() : null)),
    replication_index: null,
  }
}

async function respond(ctx: RequestContext, stream: Stream, request: StreamRequest): Promise<StreamResponse> {
  switch (request.type) {
    case 'close':
      ctx.streams.close(stream)
      return { type: 'close' }
    case 'execute': {
      const conn = streamConnection(stream)
      const step = { stmt: compileStmt(ctx.db, request.stmt, stream.sqls), cond: undefined }
      const [outcome] = await runProgram(ctx, conn, [step])
      if (!outcome || 'error' in outcome)
        throw outcome?.error ?? new StmtError('INTERNAL', 'statement skipped')
      return { type: 'execute', result: outcome.result }
    }
    case 'batch': {
      const conn = streamConnection(stream)
      const steps = compileBatch(ctx.db, request.batch, stream.sqls, ctx.version)
      return { type: 'batch', result: batchResult(await runProgram(ctx, conn, steps)) }
    }
    case 'sequence': {
      const conn = streamConnection(stream)
      const parsed = ctx.db.parseSequence(resolveSql(request.sql, request.sql_id, stream.sqls))
      if (!parsed.ok) throw parsed.error
      const steps = parsed.statements.map((statement, index) => ({
        stmt: { parsed: statement, args: [], namedArgs: undefined, wantRows: false },
        cond: index === 0 ? undefined : ({ type: 'ok', step: index - 1 } as const),
      }))
      const outcomes = await runProgram(ctx, conn, steps)
      const failed = outcomes.find((o) => o !== null && 'error' in o)
      if (failed && 'error' in failed) throw failed.error
      return { type: 'sequence' }
    }
    case 'describe': {
      const conn = streamConnection(stream)
      const parsed = ctx.db.parse(resolveSql(request.sql, request.sql_id, stream.sqls))
      if (!parsed.ok) throw parsed.error
      return { type: 'describe', result: conn.describe(parsed.sql, parsed.info) }
    }
    case 'store_sql': {
      if (stream.sqls.has(request.sql_id)) {
        throw protocolError('SQL_EXISTS', `SQL text ${request.sql_id} already exists`)
      }
      if (stream.sqls.size >= MAX_SQL_COUNT) {
        throw new StmtError(
          'SQL_STORE_TOO_MANY',
          `The server already stores ${stream.sqls.size} SQL texts, it cannot store more`,
        )
      }
      const size = Buffer.byteLength(request.sql)
      if (size > MAX_STORED_SQL_BYTES) {
        throw new StmtError(
          'SQL_STORE_TOO_LARGE',
          `The statement is too large to be stored: ${size} B/${MAX_STORED_SQL_BYTES} B`,
        )
      }
      stream.sqls.set(request.sql_id, request.sql)
      return { type: 'store_sql' }
    }
    case 'close_sql':
      stream.sqls.delete(request.sql_id)
      return { type: 'close_sql' }
    case 'get_autocommit': {
      if (ctx.version < 3) {
        throw protocolError(
          'NOT_SUPPORTED',
          'The `get_autocommit` request is only supported in protocol version hrana3 and higher',
        )
      }
      return { type: 'get_autocommit', is_autocommit: !streamConnection(stream).inTransaction }
    }
  }
}

/** Handles one request of a pipeline. */
export async function handleStreamRequest(
  ctx: RequestContext,
  stream: Stream,
  request: StreamRequest,
): Promise<StreamResult> {
  try {
    return { type: 'ok', response: await respond(ctx, stream, request) }
  } catch (e) {
    if (e instanceof StmtError) return { type: 'error', error: e.toHrana() }
    throw e
  }
}
