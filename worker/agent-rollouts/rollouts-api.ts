import { RpcTarget } from 'cloudflare:workers'
import type { AgentBuild, SigningKey } from '../../schema/api/agent-builds'
import type { CreateRolloutBody } from '../../schema/api/agent-rollouts'
import { actorOf, type WriteContext } from '../auth/caller'
import type { CallerScope } from '../site/caller-scope'
import type { SiteRollouts } from './site-rollouts'

/** A site's agent rollouts, as one caller reaches them. */
export class RolloutsApi extends RpcTarget {
  constructor(
    private readonly rollouts: SiteRollouts,
    private readonly scope: CallerScope,
  ) {
    super()
  }

  start(build: AgentBuild, signingKey: SigningKey | null, body: CreateRolloutBody, write: WriteContext) {
    return this.scope.answer(() =>
      this.rollouts.start(build, signingKey, body, actorOf(write), write.idempotency),
    )
  }

  list(limit: number, cursor: string | undefined) {
    return this.scope.answer(() => this.rollouts.list(limit, cursor))
  }

  get(rolloutId: string) {
    return this.scope.answer(() => this.rollouts.get(rolloutId))
  }

  control(rolloutId: string, action: 'pause' | 'resume' | 'cancel', write: WriteContext) {
    return this.scope.answer(() =>
      this.rollouts.control(rolloutId, action, actorOf(write), write.idempotency),
    )
  }
}
