import { jwtVerify, SignJWT } from 'jose'
import * as v from 'valibot'
import { EnrolmentClaims } from '../../schema/agent/protocol'
import { apiError } from '../http/errors'

const KEY_NAME = 'enrolment_signing_key'

/**
 * Signs and checks the site's enrolment tokens (HS256 JWTs). The key is the site's own,
 * made on first use and kept in its storage; it never leaves the object.
 */
export class EnrolmentSigner {
  #key: Uint8Array | undefined

  constructor(private readonly kv: SyncKvStorage) {}

  private key(): Uint8Array {
    if (this.#key) return this.#key
    let stored = this.kv.get<string>(KEY_NAME)
    if (!stored) {
      stored = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
      this.kv.put(KEY_NAME, stored)
    }
    this.#key = Uint8Array.from(atob(stored), (c) => c.charCodeAt(0))
    return this.#key
  }

  sign(claims: Omit<EnrolmentClaims, 'aud'> & { iat: number }): Promise<string> {
    return new SignJWT({ url: claims.url, site: claims.site })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setAudience('sitewire-enrol')
      .setExpirationTime(claims.exp)
      .setIssuedAt(claims.iat)
      .sign(this.key())
  }

  /** The token's claims when this site signed it and it has not expired; otherwise a 401. */
  async verify(token: string, now: number): Promise<EnrolmentClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key(), {
        audience: 'sitewire-enrol',
        algorithms: ['HS256'],
        currentDate: new Date(now),
      })
      return v.parse(EnrolmentClaims, payload)
    } catch {
      throw apiError(401, 'invalid_enrolment_token', 'the enrolment token is not valid or has expired')
    }
  }
}
