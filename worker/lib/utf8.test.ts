import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { overBytes, utf8Length } from './utf8'

const encoder = new TextEncoder()
const samples = [
  '',
  'plain ascii',
  'é',
  '✓ done',
  '😀',
  'a\ud800b',
  '\udc00',
  'x😀y\ud83d',
  '\u0080\u07ff\u0800\uffff',
]

describe('utf8Length', () => {
  it('counts what TextEncoder writes, lone surrogates as U+FFFD', () => {
    for (const text of samples) expect(utf8Length(text)).toBe(encoder.encode(text).length)
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => utf8Length(text) === encoder.encode(text).length),
    )
  })
})

describe('overBytes', () => {
  it('is true exactly when the UTF-8 bytes are over the limit', () => {
    for (const text of samples)
      for (let max = 0; max <= 12; max++) expect(overBytes(text, max)).toBe(encoder.encode(text).length > max)
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.nat(64),
        (text, max) => overBytes(text, max) === encoder.encode(text).length > max,
      ),
    )
  })
})
