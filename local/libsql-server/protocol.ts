/**
 * Hrana over HTTP request bodies (versions 2 and 3), as valibot schemas, and the response shapes.
 * Field names follow the JSON encoding of docs/HRANA_3_SPEC.md in tursodatabase/libsql; unknown
 * fields are ignored, as the spec requires. The protobuf decoder produces the same shapes, so one
 * schema validates both encodings.
 */
import * as v from 'valibot'

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

const Int32 = v.pipe(v.number(), v.integer(), v.minValue(-2147483648), v.maxValue(2147483647))
const Uint32 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4294967295))

const I64_DECIMAL = /^[+-]?\d{1,19}$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** A decimal i64 in a string (JSON numbers would lose precision). */
const isI64String = (s: string) => {
  if (!I64_DECIMAL.test(s)) return false
  const n = BigInt(s)
  return n >= I64_MIN && n <= I64_MAX
}

/** Standard base64, with or without padding (sqld strips `=` and decodes without padding). */
const isBase64 = (s: string) => BASE64.test(s) && s.replace(/=+$/, '').length % 4 !== 1

/** The shape of a Hrana value: the source of the `Value` type and of its error messages. */
export const ValueShape = v.variant('type', [
  v.object({ type: v.literal('null') }),
  v.object({
    type: v.literal('integer'),
    value: v.pipe(v.string(), v.check(isI64String, 'i64 as a decimal string')),
  }),
  v.object({ type: v.literal('float'), value: v.number() }),
  v.object({ type: v.literal('text'), value: v.string() }),
  v.object({ type: v.literal('blob'), base64: v.pipe(v.string(), v.check(isBase64, 'base64')) }),
])
export type Value = v.InferOutput<typeof ValueShape>

/** The same check as `ValueShape` without copying: values are most of a batch (4x faster overall). */
export function isValue(input: unknown): input is Value {
  if (typeof input !== 'object' || input === null) return false
  const value = input as { type?: unknown; value?: unknown; base64?: unknown }
  switch (value.type) {
    case 'null':
      return true
    case 'integer':
      return typeof value.value === 'string' && isI64String(value.value)
    case 'float':
      return typeof value.value === 'number'
    case 'text':
      return typeof value.value === 'string'
    case 'blob':
      return typeof value.base64 === 'string' && isBase64(value.base64)
    default:
      return false
  }
}

/** A Hrana value (`{"type":"integer","value":"1"}`, `{"type":"blob","base64":"..."}`, ...). */
export const Value = v.custom<Value>(isValue, 'a Hrana value (null, integer, float, text or blob)')

export const NamedArg = v.object({ name: v.string(), value: Value })

export const Stmt = v.object({
  sql: v.nullish(v.string()),
  sql_id: v.nullish(Int32),
  args: v.optional(v.array(Value), []),
  named_args: v.optional(v.array(NamedArg), []),
  want_rows: v.nullish(v.boolean()),
})
export type Stmt = v.InferOutput<typeof Stmt>

/** Declared by hand only because the schema is recursive (valibot cannot infer through v.lazy). */
export type BatchCond =
  | { type: 'ok'; step: number }
  | { type: 'error'; step: number }
  | { type: 'not'; cond: BatchCond }
  | { type: 'and'; conds: BatchCond[] }
  | { type: 'or'; conds: BatchCond[] }
  | { type: 'is_autocommit' }

export const BatchCond: v.GenericSchema<BatchCond> = v.lazy(() =>
  v.variant('type', [
    v.object({ type: v.literal('ok'), step: Uint32 }),
    v.object({ type: v.literal('error'), step: Uint32 }),
    v.object({ type: v.literal('not'), cond: BatchCond }),
    v.object({ type: v.literal('and'), conds: v.array(BatchCond) }),
    v.object({ type: v.literal('or'), conds: v.array(BatchCond) }),
    v.object({ type: v.literal('is_autocommit') }),
  ]),
)

export const Batch = v.object({
  steps: v.array(v.object({ condition: v.nullish(BatchCond), stmt: Stmt })),
})
export type Batch = v.InferOutput<typeof Batch>

const SqlRef = { sql: v.nullish(v.string()), sql_id: v.nullish(Int32) }

export const StreamRequest = v.variant('type', [
  v.object({ type: v.literal('close') }),
  v.object({ type: v.literal('execute'), stmt: Stmt }),
  v.object({ type: v.literal('batch'), batch: Batch }),
  v.object({ type: v.literal('sequence'), ...SqlRef }),
  v.object({ type: v.literal('describe'), ...SqlRef }),
  v.object({ type: v.literal('store_sql'), sql_id: Int32, sql: v.string() }),
  v.object({ type: v.literal('close_sql'), sql_id: Int32 }),
  v.object({ type: v.literal('get_autocommit') }),
])
export type StreamRequest = v.InferOutput<typeof StreamRequest>

export const PipelineReqBody = v.object({
  baton: v.nullish(v.string()),
  requests: v.array(StreamRequest),
})
export type PipelineReqBody = v.InferOutput<typeof PipelineReqBody>

export const CursorReqBody = v.object({
  baton: v.nullish(v.string()),
  batch: Batch,
})
export type CursorReqBody = v.InferOutput<typeof CursorReqBody>

/** The shared Hrana error structure: a message and a machine-readable code. */
export interface HranaError {
  message: string
  code: string
}

export interface Col {
  name: string | null
  decltype: string | null
}

export interface StmtResult {
  cols: Col[]
  rows: Value[][]
  affected_row_count: number
  last_insert_rowid: string | null
  replication_index: null
  rows_read: number
  rows_written: number
  query_duration_ms: number
}

export interface BatchResult {
  step_results: (StmtResult | null)[]
  step_errors: (HranaError | null)[]
  replication_index: null
}

export interface DescribeResult {
  params: { name: string | null }[]
  cols: { name: string; decltype: string | null }[]
  is_explain: boolean
  is_readonly: boolean
}

export type StreamResponse =
  | { type: 'close' }
  | { type: 'execute'; result: StmtResult }
  | { type: 'batch'; result: BatchResult }
  | { type: 'sequence' }
  | { type: 'describe'; result: DescribeResult }
  | { type: 'store_sql' }
  | { type: 'close_sql' }
  | { type: 'get_autocommit'; is_autocommit: boolean }

export type StreamResult = { type: 'ok'; response: StreamResponse } | { type: 'error'; error: HranaError }

export interface PipelineRespBody {
  baton: string | null
  base_url: string | null
  results: StreamResult[]
}

export interface CursorRespBody {
  baton: string | null
  base_url: string | null
}

export type CursorEntry =
  | { type: 'step_begin'; step: number; cols: Col[] }
  | { type: 'step_end'; affected_row_count: number; last_insert_rowid: string | null }
  | { type: 'step_error'; step: number; error: HranaError }
  | { type: 'row'; row: Value[] }
  | { type: 'error'; error: HranaError }

/** Hrana protocol version of an endpoint (`/v2/...` or `/v3/...`). */
export type Version = 2 | 3

/** Wire encoding of an endpoint (`/v3/...` is JSON, `/v3-protobuf/...` is protobuf). */
export type Encoding = 'json' | 'protobuf'
