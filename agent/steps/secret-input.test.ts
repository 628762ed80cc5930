import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readSecretValue, typeHidden } from './secret-input'

const typed = (...reads: string[]) =>
  reads.reduce((typing, keys) => typeHidden(typing, keys), {
    value: '',
    state: 'typing' as const,
  } as ReturnType<typeof typeHidden>)

describe('typeHidden', () => {
  it('ends on Enter, erases on Backspace, ignores arrows, keeps pasted text whole', () => {
    expect(typed('pa', 'ss\u007fs', '\u001b[D', 'word\r', 'ignored')).toEqual({
      value: 'password',
      state: 'done',
    })
    expect(typed('pasted value with spaces\n')).toEqual({ value: 'pasted value with spaces', state: 'done' })
    expect(typed('é😀\u007f\u007fe\u0004')).toEqual({ value: 'e', state: 'done' })
    expect(typed('abc')).toEqual({ value: 'abc', state: 'typing' })
  })

  it('cancels on Ctrl-C', () => {
    expect(typed('secr', '\u0003')).toMatchObject({ state: 'cancelled' })
  })
})

describe('readSecretValue', () => {
  it('reads a pipe whole, without the newline echo adds', async () => {
    const input = new PassThrough()
    input.end('line one\nline two\n')
    const value = await readSecretValue(input as unknown as NodeJS.ReadStream, new PassThrough(), 'value')
    expect(value).toBe('line one\nline two')
  })
})
