import { describe, expect, it } from 'vitest'
import {
  generatePassword,
  hashPassword,
  PBKDF2_ITERATIONS,
  UNKNOWN_USER_HASH,
  verifyPassword,
} from './passwords'

describe('password hashes', () => {
  it('stores PBKDF2-SHA256 at the most iterations the runtime allows, with a 16-byte salt', async () => {
    const stored = await hashPassword('correct horse battery staple')
    const [scheme, iterations, salt, hash, ...rest] = stored.split('$')
    expect(scheme).toBe('pbkdf2-sha256')
    expect(Number(iterations)).toBe(100_000)
    expect(PBKDF2_ITERATIONS).toBe(100_000)
    expect(atob(salt ?? '')).toHaveLength(16)
    expect(atob(hash ?? '')).toHaveLength(32)
    expect(rest).toEqual([])
    expect(stored).not.toContain('correct horse')
  })

  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('correct horse battery staple')
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true)
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false)
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false)
    expect(await verifyPassword('', stored)).toBe(false)
  })

  it('salts each hash, so one password hashes differently every time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')])
    expect(a).not.toBe(b)
    expect(a.split('$')[2]).not.toBe(b.split('$')[2])
    expect(await verifyPassword('same password!', a)).toBe(true)
    expect(await verifyPassword('same password!', b)).toBe(true)
  })

  it('reads the iteration count from the stored hash', async () => {
    const salt = new Uint8Array(16).fill(7)
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode('older hash'),
      'PBKDF2',
      false,
      ['deriveBits'],
    )
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1000 },
      key,
      256,
    )
    const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
    const stored = `pbkdf2-sha256$1000$${b64(salt)}$${b64(new Uint8Array(bits))}`
    expect(await verifyPassword('older hash', stored)).toBe(true)
    expect(await verifyPassword('other', stored)).toBe(false)
  })

  it('matches nothing against a malformed hash, or one asking for more work than the runtime allows', async () => {
    const good = await hashPassword('a password here')
    const [, , salt, hash] = good.split('$')
    for (const stored of [
      '',
      'plain text',
      `sha1$100000$${salt}$${hash}`,
      `pbkdf2-sha256$100001$${salt}$${hash}`,
      `pbkdf2-sha256$0$${salt}$${hash}`,
      `pbkdf2-sha256$1e5$${salt}$${hash}x`,
      `pbkdf2-sha256$100000$${salt}$${hash}$extra`,
      `pbkdf2-sha256$100000$not base64!$${hash}`,
      `pbkdf2-sha256$100000$${salt}$${btoa('short')}`,
    ]) {
      expect(await verifyPassword('a password here', stored)).toBe(false)
    }
  })

  it('has a stand-in hash for unknown emails that costs the same work and matches nothing', async () => {
    expect(UNKNOWN_USER_HASH.split('$').slice(0, 2)).toEqual(['pbkdf2-sha256', '100000'])
    expect(await verifyPassword('', UNKNOWN_USER_HASH)).toBe(false)
    expect(await verifyPassword('anything at all', UNKNOWN_USER_HASH)).toBe(false)
  })

  it('generates 20-character passwords that differ each time and meet the length rule', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword))
    expect(passwords.size).toBe(50)
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/)
  })
})
