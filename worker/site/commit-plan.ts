import type { CloudEvent } from '../../schema/events'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import type { AppendedEvent } from './event-log'
import type { SiteState } from './site-decider'

/**
 * What a write decides once the time it commits at is known: its events, and its answer from
 * what the log did with them and the site's state after them. `replay` makes, from the first
 * answer's body, what a repeat with the same `Idempotency-Key` answers when that body holds a secret.
 */
export type CommitPlan<T> = (time: string) => {
  events: CloudEvent[]
  reply: (appended: AppendedEvent[], next: SiteState) => Reply<T>
  replay?: (body: T) => unknown
}

/** The site's one commit path: replays a repeated write, or stores a plan's events and answer in one transaction. */
export type Commit = <T>(idempotency: IdempotencyClaim | undefined, plan: CommitPlan<T>) => Reply<T>
