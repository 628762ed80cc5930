/**
 * Encoding of Hrana-over-HTTP protobuf responses (`/v3-protobuf/...`), field for field like sqld
 * (prost): proto3 scalars are left out when they hold their default, `optional` fields when unset,
 * batch results are `map<uint32, ...>` entries and SQL NULL is an empty message.
 */
import type {
  BatchResult,
  Col,
  CursorEntry,
  CursorRespBody,
  DescribeResult,
  HranaError,
  PipelineRespBody,
  StmtResult,
  StreamResponse,
  StreamResult,
  Value,
} from './protocol'

const VARINT = 0
const FIXED64 = 1
const BYTES = 2

class Writer {
  #buf = new Uint8Array(1024)
  #len = 0

  #ensure(extra: number): void {
    if (this.#len + extra <= this.#buf.length) return
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + extra))
    next.set(this.#buf.subarray(0, this.#len))
    this.#buf = next
  }

  varint(value: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(value))
    this.#ensure(10)
    while (n >= 0x80n) {
      this.#buf[this.#len++] = Number(n & 0x7fn) | 0x80
      n >>= 7n
    }
    this.#buf[this.#len++] = Number(n)
  }

  #smallVarint(value: number): void {
    this.#ensure(5)
    let n = value >>> 0
    while (n >= 0x80) {
      this.#buf[this.#len++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.#buf[this.#len++] = n
  }

  key(field: number, wire: number): void {
    this.#smallVarint((field << 3) | wire)
  }

  uint(field: number, value: number): void {
    this.key(field, VARINT)
    if (value >= 0 && value < 2 ** 32) this.#smallVarint(value)
    else this.varint(value)
  }

  sint64(field: number, value: bigint): void {
    this.key(field, VARINT)
    this.varint((value << 1n) ^ (value >> 63n))
  }

  double(field: number, value: number): void {
    this.key(field, FIXED64)
    this.#ensure(8)
    new DataView(this.#buf.buffer, this.#buf.byteOffset).setFloat64(this.#len, value, true)
    this.#len += 8
  }

  bytes(field: number, value: Uint8Array): void {
    this.key(field, BYTES)
    this.#smallVarint(value.length)
    this.#ensure(value.length)
    this.#buf.set(value, this.#len)
    this.#len += value.length
  }

  string(field: number, value: string): void {
    this.bytes(field, Buffer.from(value, 'utf8'))
  }

  /** A nested message: reserves one length byte, shifts the body if the length needs more. */
  message(field: number, encode: (w: Writer) => void): void {
    this.key(field, BYTES)
    this.#ensure(1)
    const at = this.#len++
    encode(this)
    const length = this.#len - at - 1
    let size = 1
    while (length >= 2 ** (7 * size)) size++
    if (size > 1) {
      this.#ensure(size - 1)
      this.#buf.copyWithin(at + size, at + 1, this.#len)
      this.#len += size - 1
    }
    let n = length
    for (let i = 0; i < size; i++) {
      this.#buf[at + i] = (n & 0x7f) | (i < size - 1 ? 0x80 : 0)
      n = Math.floor(n / 128)
    }
  }

  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#len)
  }
}

const empty = () => {}

function error(w: Writer, e: HranaError): void {
  if (e.message) w.string(1, e.message)
  if (e.code) w.string(2, e.code)
}

function col(w: Writer, c: Col): void {
  if (c.name !== null) w.string(1, c.name)
  if (c.decltype !== null) w.string(2, c.decltype)
}

function value(w: Writer, v: Value): void {
  switch (v.type) {
    case 'null':
      w.message(1, empty)
      return
    case 'integer':
      w.sint64(2, BigInt(v.value))
      return
    case 'float':
      w.double(3, v.value)
      return
    case 'text':
      w.string(4, v.value)
      return
    case 'blob':
      w.bytes(5, Buffer.from(v.base64, 'base64'))
      return
  }
}

function row(w: Writer, values: readonly Value[]): void {
  for (const v of values) w.message(1, (m) => value(m, v))
}

function stmtResult(w: Writer, r: StmtResult): void {
  for (const c of r.cols) w.message(1, (m) => col(m, c))
  for (const values of r.rows) w.message(2, (m) => row(m, values))
  if (r.affected_row_count) w.uint(3, r.affected_row_count)
  if (r.last_insert_rowid !== null) w.sint64(4, BigInt(r.last_insert_rowid))
  if (r.rows_read) w.uint(6, r.rows_read)
  if (r.rows_written) w.uint(7, r.rows_written)
  if (r.query_duration_ms) w.double(8, r.query_duration_ms)
}

function batchResult(w: Writer, r: BatchResult): void {
  r.step_results.forEach((result, step) => {
    if (result)
      w.message(1, (m) => {
        m.uint(1, step)
        m.message(2, (s) => stmtResult(s, result))
      })
  })
  r.step_errors.forEach((err, step) => {
    if (err)
      w.message(2, (m) => {
        m.uint(1, step)
        m.message(2, (s) => error(s, err))
      })
  })
}

function describeResult(w: Writer, r: DescribeResult): void {
  for (const p of r.params)
    w.message(1, (m) => {
      if (p.name !== null) m.string(1, p.name)
    })
  for (const c of r.cols)
    w.message(2, (m) => {
      if (c.name) m.string(1, c.name)
      if (c.decltype !== null) m.string(2, c.decltype)
    })
  if (r.is_explain) w.uint(3, 1)
  if (r.is_readonly) w.uint(4, 1)
}

function streamResponse(w: Writer, r: StreamResponse): void {
  switch (r.type) {
    case 'close':
      w.message(1, empty)
      return
    case 'execute':
      w.message(2, (m) => m.message(1, (s) => stmtResult(s, r.result)))
      return
    case 'batch':
      w.message(3, (m) => m.message(1, (s) => batchResult(s, r.result)))
      return
    case 'sequence':
      w.message(4, empty)
      return
    case 'describe':
      w.message(5, (m) => m.message(1, (s) => describeResult(s, r.result)))
      return
    case 'store_sql':
      w.message(6, empty)
      return
    case 'close_sql':
      w.message(7, empty)
      return
    case 'get_autocommit':
      w.message(8, (m) => {
        if (r.is_autocommit) m.uint(1, 1)
      })
      return
  }
}

function streamResult(w: Writer, r: StreamResult): void {
  if (r.type === 'ok') w.message(1, (m) => streamResponse(m, r.response))
  else w.message(2, (m) => error(m, r.error))
}

function batonAndBaseUrl(w: Writer, body: CursorRespBody): void {
  if (body.baton !== null) w.string(1, body.baton)
  if (body.base_url !== null) w.string(2, body.base_url)
}

export function encodePipelineRespBody(body: PipelineRespBody): Uint8Array {
  const w = new Writer()
  batonAndBaseUrl(w, body)
  for (const result of body.results) w.message(3, (m) => streamResult(m, result))
  return w.finish()
}

export function encodeError(e: HranaError): Uint8Array {
  const w = new Writer()
  error(w, e)
  return w.finish()
}

function cursorEntry(w: Writer, entry: CursorEntry): void {
  switch (entry.type) {
    case 'step_begin':
      w.message(1, (m) => {
        if (entry.step) m.uint(1, entry.step)
        for (const c of entry.cols) m.message(2, (s) => col(s, c))
      })
      return
    case 'step_end':
      w.message(2, (m) => {
        if (entry.affected_row_count) m.uint(1, entry.affected_row_count)
        if (entry.last_insert_rowid !== null) m.sint64(2, BigInt(entry.last_insert_rowid))
      })
      return
    case 'step_error':
      w.message(3, (m) => {
        if (entry.step) m.uint(1, entry.step)
        m.message(2, (s) => error(s, entry.error))
      })
      return
    case 'row':
      w.message(4, (m) => row(m, entry.row))
      return
    case 'error':
      w.message(5, (m) => error(m, entry.error))
      return
  }
}

function lengthDelimited(encode: (w: Writer) => void): Uint8Array {
  const body = new Writer()
  encode(body)
  const bytes = body.finish()
  const w = new Writer()
  w.varint(bytes.length)
  const prefix = w.finish()
  const out = new Uint8Array(prefix.length + bytes.length)
  out.set(prefix)
  out.set(bytes, prefix.length)
  return out
}

/** One item of a protobuf cursor response: a varint length, then the message. */
export const encodeCursorRespBody = (body: CursorRespBody) => lengthDelimited((w) => batonAndBaseUrl(w, body))
export const encodeCursorEntry = (entry: CursorEntry) => lengthDelimited((w) => cursorEntry(w, entry))
