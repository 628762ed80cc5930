/**
 * Decoding of Hrana-over-HTTP protobuf requests (`/v3-protobuf/...`), after the proto3 schema in
 * docs/HRANA_3_SPEC.md and sqld's decoders (`libsql-hrana/src/protobuf.rs`). Requests decode into
 * the same plain objects as the JSON encoding, so the same valibot schemas validate both; a
 * message without its oneof set decodes to `{}`, which validation rejects (sqld: "type not
 * recognized").
 */

enum Wire {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  Fixed32 = 5,
}

export class ProtobufError extends Error {}

class Reader {
  pos: number
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }

  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint')
      const byte = this.buf[this.pos++] as number
      result |= BigInt(byte & 0x7f) << shift
      if (!(byte & 0x80)) return result & 0xffffffffffffffffn
      shift += 7n
      if (shift > 63n) throw new ProtobufError('varint too long')
    }
  }

  uint32(): number {
    return Number(this.varint() & 0xffffffffn)
  }

  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()))
  }

  sint64(): bigint {
    const n = this.varint()
    return (n >> 1n) ^ -(n & 1n)
  }

  bool(): boolean {
    return this.varint() !== 0n
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new ProtobufError('truncated double')
    const value = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8).readDoubleLE(0)
    this.pos += 8
    return value
  }

  bytes(): Uint8Array {
    const length = Number(this.varint())
    if (this.pos + length > this.end) throw new ProtobufError('truncated bytes')
    const value = this.buf.subarray(this.pos, this.pos + length)
    this.pos += length
    return value
  }

  string(): string {
    return Buffer.from(this.bytes()).toString('utf8')
  }

  message(): Reader {
    const bytes = this.bytes()
    return new Reader(bytes, 0, bytes.length)
  }

  skip(wire: number): void {
    if (wire === Wire.Varint) this.varint()
    else if (wire === Wire.Fixed64) this.pos += 8
    else if (wire === Wire.Bytes) this.bytes()
    else if (wire === Wire.Fixed32) this.pos += 4
    else throw new ProtobufError(`unsupported wire type ${wire}`)
    if (this.pos > this.end) throw new ProtobufError('truncated field')
  }

  /** Calls `field(number, wire)` for each field; the callback reads it or returns false to skip. */
  fields(field: (num: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const key = this.uint32()
      const num = key >>> 3
      const wire = key & 7
      if (!field(num, wire)) this.skip(wire)
    }
  }
}

type Json = Record<string, unknown>

function decodeValue(r: Reader): Json {
  let value: Json = {}
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Bytes) {
      r.bytes()
      value = { type: 'null' }
    } else if (num === 2 && wire === Wire.Varint) value = { type: 'integer', value: r.sint64().toString() }
    else if (num === 3 && wire === Wire.Fixed64) value = { type: 'float', value: r.double() }
    else if (num === 4 && wire === Wire.Bytes) value = { type: 'text', value: r.string() }
    else if (num === 5 && wire === Wire.Bytes)
      value = { type: 'blob', base64: Buffer.from(r.bytes()).toString('base64') }
    else return false
    return true
  })
  return value
}

function decodeNamedArg(r: Reader): Json {
  const arg: Json = { name: '', value: {} }
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Bytes) arg.name = r.string()
    else if (num === 2 && wire === Wire.Bytes) arg.value = decodeValue(r.message())
    else return false
    return true
  })
  return arg
}

function decodeStmt(r: Reader): Json {
  const stmt: Json & { args: Json[]; named_args: Json[] } = { args: [], named_args: [] }
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Bytes) stmt.sql = r.string()
    else if (num === 2 && wire === Wire.Varint) stmt.sql_id = r.int32()
    else if (num === 3 && wire === Wire.Bytes) stmt.args.push(decodeValue(r.message()))
    else if (num === 4 && wire === Wire.Bytes) stmt.named_args.push(decodeNamedArg(r.message()))
    else if (num === 5 && wire === Wire.Varint) stmt.want_rows = r.bool()
    else return false
    return true
  })
  return stmt
}

function decodeCondList(r: Reader): Json[] {
  const conds: Json[] = []
  r.fields((num, wire) => {
    if (num !== 1 || wire !== Wire.Bytes) return false
    conds.push(decodeCond(r.message()))
    return true
  })
  return conds
}

function decodeCond(r: Reader): Json {
  let cond: Json = {}
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Varint) cond = { type: 'ok', step: r.uint32() }
    else if (num === 2 && wire === Wire.Varint) cond = { type: 'error', step: r.uint32() }
    else if (num === 3 && wire === Wire.Bytes) cond = { type: 'not', cond: decodeCond(r.message()) }
    else if (num === 4 && wire === Wire.Bytes) cond = { type: 'and', conds: decodeCondList(r.message()) }
    else if (num === 5 && wire === Wire.Bytes) cond = { type: 'or', conds: decodeCondList(r.message()) }
    else if (num === 6 && wire === Wire.Bytes) {
      r.bytes()
      cond = { type: 'is_autocommit' }
    } else return false
    return true
  })
  return cond
}

function decodeBatch(r: Reader): Json {
  const steps: Json[] = []
  r.fields((num, wire) => {
    if (num !== 1 || wire !== Wire.Bytes) return false
    const step: Json = { stmt: {} }
    const s = r.message()
    s.fields((n, w) => {
      if (n === 1 && w === Wire.Bytes) step.condition = decodeCond(s.message())
      else if (n === 2 && w === Wire.Bytes) step.stmt = decodeStmt(s.message())
      else return false
      return true
    })
    steps.push(step)
    return true
  })
  return { steps }
}

function decodeSqlRef(r: Reader, type: string): Json {
  const request: Json = { type }
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Bytes) request.sql = r.string()
    else if (num === 2 && wire === Wire.Varint) request.sql_id = r.int32()
    else return false
    return true
  })
  return request
}

function decodeStoreSql(r: Reader, type: 'store_sql' | 'close_sql'): Json {
  const request: Json = { type, sql_id: 0 }
  if (type === 'store_sql') request.sql = ''
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Varint) request.sql_id = r.int32()
    else if (num === 2 && wire === Wire.Bytes && type === 'store_sql') request.sql = r.string()
    else return false
    return true
  })
  return request
}

function decodeWrapped(r: Reader, key: 'stmt' | 'batch', type: string): Json {
  const request: Json = { type, [key]: key === 'stmt' ? { args: [], named_args: [] } : { steps: [] } }
  r.fields((num, wire) => {
    if (num !== 1 || wire !== Wire.Bytes) return false
    request[key] = key === 'stmt' ? decodeStmt(r.message()) : decodeBatch(r.message())
    return true
  })
  return request
}

function decodeStreamRequest(r: Reader): Json {
  let request: Json = {}
  r.fields((num, wire) => {
    if (wire !== Wire.Bytes) return false
    const m = r.message()
    if (num === 1) request = { type: 'close' }
    else if (num === 2) request = decodeWrapped(m, 'stmt', 'execute')
    else if (num === 3) request = decodeWrapped(m, 'batch', 'batch')
    else if (num === 4) request = decodeSqlRef(m, 'sequence')
    else if (num === 5) request = decodeSqlRef(m, 'describe')
    else if (num === 6) request = decodeStoreSql(m, 'store_sql')
    else if (num === 7) request = decodeStoreSql(m, 'close_sql')
    else if (num === 8) request = { type: 'get_autocommit' }
    return true
  })
  return request
}

/** Decodes a `PipelineReqBody` into its JSON shape. */
export function decodePipelineReqBody(data: Uint8Array): Json {
  const r = new Reader(data, 0, data.length)
  const body: Json & { requests: Json[] } = { requests: [] }
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Bytes) body.baton = r.string()
    else if (num === 2 && wire === Wire.Bytes) body.requests.push(decodeStreamRequest(r.message()))
    else return false
    return true
  })
  return body
}

/** Decodes a `CursorReqBody` into its JSON shape. */
export function decodeCursorReqBody(data: Uint8Array): Json {
  const r = new Reader(data, 0, data.length)
  const body: Json = { batch: { steps: [] } }
  r.fields((num, wire) => {
    if (num === 1 && wire === Wire.Bytes) body.baton = r.string()
    else if (num === 2 && wire === Wire.Bytes) body.batch = decodeBatch(r.message())
    else return false
    return true
  })
  return body
}
