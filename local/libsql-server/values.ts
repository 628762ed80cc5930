/**
 * Hrana values <-> the values of the `libsql` native binding (with safe integers on): integers are
 * bigint both ways, so 64-bit values survive; a Hrana float is always bound as REAL, even `1.0`.
 */
import type { Value } from './protocol'

/** A value the native binding binds or returns. */
export type SqliteValue = null | bigint | number | string | Buffer

const NULL: Value = { type: 'null' }

/** Decodes a validated Hrana value for binding. */
export function valueToSqlite(value: Value): SqliteValue {
  switch (value.type) {
    case 'null':
      return null
    case 'integer':
      return BigInt(value.value)
    case 'float':
      return value.value
    case 'text':
      return value.value
    case 'blob':
      return Buffer.from(value.base64, 'base64')
  }
}

/** Encodes a value read from SQLite; blobs are base64 without padding, as sqld writes them. */
export function valueFromSqlite(value: unknown): Value {
  switch (typeof value) {
    case 'bigint':
      return { type: 'integer', value: value.toString() }
    case 'number':
      return { type: 'float', value }
    case 'string':
      return { type: 'text', value }
    default:
      if (value instanceof Uint8Array) {
        const base64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
        return { type: 'blob', base64: base64.replace(/=+$/, '') }
      }
      return NULL
  }
}
