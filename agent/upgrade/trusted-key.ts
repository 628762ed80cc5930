import * as v from 'valibot'
import { endorses } from '../../schema/agent/build-signature'
import type { RolloutSigningKey } from '../../schema/events/rollout'
import type { Logger } from '../log'
import { readJsonFile, writeFileAtomic } from '../state-dir'

const TrustedKey = v.object({ public_key: v.string(), trusted_at: v.string() })

/**
 * The one key this agent checks builds with. It takes the first key it is given (at enrolment,
 * or with its first upgrade), and moves to another only when that one comes endorsed by the key
 * it trusts: a platform that hands out a key of its own cannot make the agent run its builds.
 */
export class TrustedKeyFile {
  constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  current(): string | undefined {
    return readJsonFile(this.path, TrustedKey)?.public_key
  }

  /** Takes the key offered when it may; answers the key to check builds with. */
  async offered(key: RolloutSigningKey | null): Promise<string | undefined> {
    const trusted = this.current()
    if (!key || key.public_key === trusted) return trusted
    if (trusted === undefined) {
      this.write(key.public_key)
      this.log.info('trusting the build-signing key', { public_key: key.public_key })
      return key.public_key
    }
    if (key.endorsement && (await endorses(trusted, key.endorsement, key.public_key))) {
      this.write(key.public_key)
      this.log.info('moved to the endorsed build-signing key', { public_key: key.public_key })
      return key.public_key
    }
    this.log.warn('ignoring a build-signing key the trusted key did not endorse', {
      public_key: key.public_key,
    })
    return trusted
  }

  private write(publicKey: string) {
    writeFileAtomic(
      this.path,
      JSON.stringify({ public_key: publicKey, trusted_at: new Date().toISOString() }),
      {
        durable: true,
      },
    )
  }
}
