import type { Site } from '../../schema/api/sites'
import type { Caller } from '../auth/caller'
import { ApiError, apiError, type Refusal, refusal } from '../http/errors'
import type { Answer, Reply } from '../lib/idempotency'
import { errorMessage, log } from '../lib/log'
import type { CallerScope } from './caller-scope'
import type { Settled } from './commit-path'
import type { Reactions } from './reactions'
import type { SiteState } from './site-decider'

/**
 * How the object answers its callers: each call runs in one turn of the reactions, a refusal
 * becomes its answer and a fault propagates; a caller of another tenant, or of a site that does
 * not exist, is answered 404.
 */
export class SiteAnswers {
  constructor(
    private readonly reactions: Pick<Reactions, 'turn'>,
    private readonly state: () => SiteState,
    private readonly siteId: () => string | null,
  ) {}

  /** The site as this caller may see it: absent, or another tenant's, is 404. */
  visibleSite(caller: Caller): Site {
    const state = this.state()
    if (state.status === 'absent' || state.site.tenant_id !== caller.tenantId) {
      throw apiError(404, 'not_found', 'site not found')
    }
    return state.site
  }

  /** Decides once whether the caller may see the site; every call through the scope is answered accordingly. */
  scopeFor(caller: Caller): CallerScope {
    const state = this.state()
    const visible = state.status !== 'absent' && state.site.tenant_id === caller.tenantId
    const guarded = <R>(run: () => R) => {
      if (!visible) throw apiError(404, 'not_found', 'site not found')
      return run()
    }
    return {
      answer: (run) => this.answer(() => guarded(run)),
      answerAsync: (run) => this.answerAsync(() => guarded(run)),
    }
  }

  /** Runs a command or query in one turn: a refusal becomes its answer; a fault propagates. */
  answer<T>(run: () => Reply<T>): Answer<T> {
    try {
      return this.reactions.turn(run)
    } catch (error) {
      return this.refusalOrRethrow(error)
    }
  }

  /** `answer` for work that awaits (R2, signing); its commits settle their own reactions. */
  async answerAsync<T>(run: () => Promise<Reply<T>>): Promise<Answer<T>> {
    try {
      return await this.reactions.turn(run)
    } catch (error) {
      return this.refusalOrRethrow(error)
    }
  }

  /** `answer` for calls answered together: each outcome becomes its caller's answer, or its fault. */
  answerEach<T>(run: () => Settled<Reply<T>>[]): Settled<Answer<T>>[] {
    return this.reactions.turn(run).map((outcome) => {
      if (outcome.ok) return outcome
      try {
        return { ok: true, value: this.refusalOrRethrow(outcome.error) }
      } catch (fault) {
        return { ok: false, error: fault }
      }
    })
  }

  private refusalOrRethrow(error: unknown): Refusal {
    if (error instanceof ApiError) return refusal(error)
    log('error', 'site object fault', { site_id: this.siteId(), error: errorMessage(error) })
    throw error
  }
}
