import { expect } from 'vitest'
import type { CreatedUser } from '../schema/api/users'
import { BASE, type Client, client } from './worker-support'

/** Every answer body the clients below received, to check that none gives a secret away. */
export const answers: string[] = []

/** `call`, recording each answer's body in `answers`. */
export const recording =
  (call: Client): Client =>
  async (path, init) => {
    const response = await call(path, init)
    // A WebSocket handshake has no body to keep, and can't be cloned.
    if (response.status !== 101) answers.push(await response.clone().text())
    return response
  }

/** Every password a test chooses has this shape, so answers and audit rows can be searched for any. */
export const newPassword = () => `pw-${crypto.randomUUID()}`
export const CHOSEN_PASSWORD = /pw-[0-9a-f]{8}-[0-9a-f]{4}-/

/** An email no other test uses. */
export const uniqueEmail = (name = 'user') => `${name}.${crypto.randomUUID().slice(0, 8)}@example.test`

/** A client address no other test uses, for the per-address throttle. */
export const uniqueAddress = () => `10.${crypto.getRandomValues(new Uint8Array(3)).join('.')}`

/** Creates a user with a known password, failing the test on anything but 201. */
export const createUser = async (
  admin: Client,
  spec: { email?: string; name?: string; role?: 'viewer' | 'operator' | 'admin' } = {},
) => {
  const password = newPassword()
  const response = await recording(admin)('/v1/users', {
    method: 'POST',
    json: { email: spec.email ?? uniqueEmail(), name: spec.name ?? 'Ada', password, role: spec.role },
  })
  expect(response.status).toBe(201)
  return { ...((await response.json()) as CreatedUser), password }
}

export const signIn = (email: string, password: string, headers: Record<string, string> = {}) =>
  recording(client(undefined))('/v1/auth/sign-in', { method: 'POST', json: { email, password }, headers })

/** The `name=value` pair of the session cookie a response sets. */
export const sessionCookieOf = (response: Response) => {
  const pair = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  expect(pair).toMatch(/^sitewire_session=[0-9A-HJKMNP-TV-Z]{26}\.[A-Za-z0-9_-]{43}$/)
  return pair
}

/** A client sending the session cookie, and on writes our own Origin, as a browser on our pages would. */
export const sessionClient = (cookie: string): Client =>
  recording((path, init = {}) => {
    const headers = new Headers(init.headers)
    headers.set('cookie', cookie)
    if (init.method && init.method !== 'GET' && !headers.has('origin')) headers.set('origin', BASE)
    return client(undefined)(path, { ...init, headers })
  })

/** Signs in and returns a client holding the session, with the cookie itself. */
export const signedIn = async (email: string, password: string) => {
  const response = await signIn(email, password)
  expect(response.status).toBe(200)
  const cookie = sessionCookieOf(response)
  return { call: sessionClient(cookie), cookie }
}

/** Asserts that no recorded answer holds a password hash or a password a test chose. */
export const expectNoSecretsAnswered = () => {
  expect(answers.length).toBeGreaterThan(0)
  for (const body of answers) {
    expect(body).not.toMatch(CHOSEN_PASSWORD)
    expect(body).not.toMatch(/password_hash|passwordHash|pbkdf2/i)
  }
}
