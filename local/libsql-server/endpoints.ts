/**
 * The two Hrana-over-HTTP POST endpoints (sqld's `hrana/http/mod.rs`): `pipeline` runs a list of
 * stream requests and answers them all at once; `cursor` runs one batch and streams its entries
 * (newline-delimited JSON, or length-delimited protobuf).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import * as v from 'valibot'
import type { LibsqlDatabase } from './database'
import { HttpError, protocolError, StmtError } from './errors'
import { readBody, send } from './http'
import { type CompiledStep, compileBatch, runProgram, type StepOutcome } from './program'
import { decodeCursorReqBody, decodePipelineReqBody } from './protobuf-decode'
import { encodeCursorEntry, encodeCursorRespBody, encodePipelineRespBody } from './protobuf-encode'
import {
  type CursorEntry,
  CursorReqBody,
  type CursorRespBody,
  type Encoding,
  PipelineReqBody,
  type PipelineRespBody,
  type StreamResult,
  type Version,
} from './protocol'
import { handleStreamRequest, type RequestContext, streamConnection } from './requests'
import type { Stream, StreamRegistry } from './streams'

export interface EndpointContext {
  db: LibsqlDatabase
  streams: StreamRegistry
  busyTimeoutMs: number
  maxBodyBytes: number
}

async function readRequest<S extends typeof PipelineReqBody | typeof CursorReqBody>(
  req: IncomingMessage,
  ctx: EndpointContext,
  encoding: Encoding,
  schema: S,
  decodeProtobuf: (data: Uint8Array) => unknown,
): Promise<v.InferOutput<S>> {
  const body = await readBody(req, ctx.maxBodyBytes)
  let raw: unknown
  try {
    raw = encoding === 'json' ? JSON.parse(body.toString('utf8')) : decodeProtobuf(body)
  } catch (e) {
    const what =
      encoding === 'json'
        ? 'Cannot deserialize client message from JSON'
        : 'Could not decode client message from Protobuf'
    throw protocolError('PROTOCOL_ERROR', `${what}: ${(e as Error).message}`)
  }
  const parsed = v.safeParse(schema, raw)
  if (!parsed.success) {
    throw protocolError('PROTOCOL_ERROR', `Invalid request body: ${v.summarize(parsed.issues)}`)
  }
  return parsed.output
}

/** Runs `work` on an acquired stream; a failed request drops the stream, as in sqld. */
async function withStream<T>(
  ctx: EndpointContext,
  baton: string | null | undefined,
  work: (stream: Stream) => Promise<T>,
): Promise<{ result: T; baton: string | null }> {
  const stream = ctx.streams.acquire(baton)
  try {
    const result = await work(stream)
    return { result, baton: ctx.streams.release(stream) }
  } catch (e) {
    ctx.streams.discard(stream)
    throw e
  }
}

export async function handlePipeline(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: EndpointContext,
  version: Version,
  encoding: Encoding,
): Promise<void> {
  const body = await readRequest(req, ctx, encoding, PipelineReqBody, decodePipelineReqBody)
  const requestCtx: RequestContext = { ...ctx, version }
  const { result: results, baton } = await withStream(ctx, body.baton, async (stream) => {
    const results: StreamResult[] = []
    for (const request of body.requests) results.push(await handleStreamRequest(requestCtx, stream, request))
    return results
  })
  const response: PipelineRespBody = { baton, base_url: null, results }
  if (encoding === 'json') send(res, 200, 'application/json', JSON.stringify(response))
  else send(res, 200, 'application/x-protobuf', encodePipelineRespBody(response))
}

function entriesOf(step: number, outcome: StepOutcome): CursorEntry[] {
  if (outcome === null) return []
  if ('error' in outcome) return [{ type: 'step_error', step, error: outcome.error.toHrana() }]
  const { result } = outcome
  return [
    { type: 'step_begin', step, cols: result.cols },
    ...result.rows.map((row): CursorEntry => ({ type: 'row', row })),
    {
      type: 'step_end',
      affected_row_count: result.affected_row_count,
      last_insert_rowid: result.last_insert_rowid,
    },
  ]
}

export async function handleCursor(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: EndpointContext,
  version: Version,
  encoding: Encoding,
): Promise<void> {
  const body = await readRequest(req, ctx, encoding, CursorReqBody, decodeCursorReqBody)
  const write = (item: CursorEntry | CursorRespBody) =>
    res.write(
      encoding === 'json'
        ? `${JSON.stringify(item)}\n`
        : 'type' in item
          ? encodeCursorEntry(item)
          : encodeCursorRespBody(item),
    )
  await withStream(ctx, body.baton, async (stream) => {
    const conn = streamConnection(stream)
    let steps: CompiledStep[] | StmtError
    try {
      steps = compileBatch(ctx.db, body.batch, stream.sqls, version)
    } catch (e) {
      if (!(e instanceof StmtError)) throw e
      steps = e
    }
    // the next baton is fixed once the stream is acquired, so the head line can go out first
    res.writeHead(200, { 'content-type': encoding === 'json' ? 'text/plain' : 'application/octet-stream' })
    write({ baton: ctx.streams.nextBaton(stream), base_url: null })
    if (steps instanceof StmtError) {
      write({ type: 'error', error: steps.toHrana() })
      return
    }
    try {
      await runProgram(ctx, conn, steps, (step, outcome) => {
        for (const entry of entriesOf(step, outcome)) write(entry)
      })
    } catch (e) {
      const message = e instanceof HttpError || e instanceof StmtError ? e.message : 'Internal error'
      write({ type: 'error', error: { message, code: 'INTERNAL_ERROR' } })
      throw e
    }
  }).finally(() => {
    if (res.headersSent) res.end()
  })
}
