import * as v from 'valibot'
import { endorses } from '../../schema/agent/build-signature'
import { type PutSigningKeyBody, SigningKey } from '../../schema/api/agent-builds'
import { apiError } from '../http/errors'

const KEY_NAME = 'agent_signing_key'

/**
 * The tenant's agent build-signing key: only its public half, which the tenant uploads. The
 * tenant signs builds offline (`sitewire agent-builds sign`), so the platform can neither sign
 * a build nor be made to by someone who takes it over.
 */
export class SigningKeyStore {
  constructor(private readonly kv: SyncKvStorage) {}

  current(): SigningKey | null {
    const stored = this.kv.get<unknown>(KEY_NAME)
    return stored === undefined ? null : v.parse(SigningKey, stored)
  }

  /**
   * Sets the key. A first key is taken as it is; a different one replaces the current key only
   * with the current key's endorsement, which agents check the same way before they trust it.
   */
  async set(body: PutSigningKeyBody, now: number): Promise<{ key: SigningKey; created: boolean }> {
    const current = this.current()
    if (current?.public_key === body.public_key) return { key: current, created: false }
    if (current) {
      if (!body.endorsement)
        throw apiError(
          422,
          'endorsement_required',
          'replacing the signing key needs the new key endorsed by the current one: sitewire agent-builds rotate-key',
        )
      if (!(await endorses(current.public_key, body.endorsement, body.public_key)))
        throw apiError(
          422,
          'invalid_endorsement',
          'the endorsement is not the current key’s signature of the new key',
        )
    }
    const key: SigningKey = {
      public_key: body.public_key,
      endorsement: current ? body.endorsement : null,
      set_at: new Date(now).toISOString(),
    }
    this.kv.put(KEY_NAME, key)
    return { key, created: current === null }
  }
}
