import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite'
import type { Site } from '../../schema/api/sites'
import type * as siteStore from '../../schema/db/site-store'
import type { CloudEvent, LoggedEvent, SitewireEventBody } from '../../schema/events'
import type { Env } from '../env'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import type { Commit } from './commit-plan'
import type { EventLog } from './event-log'
import type { SiteScope } from './site-scope'

/** The site object's SQLite through drizzle, with every table of `schema/db/site-store`. */
export type SiteDatabase = DrizzleSqliteDODatabase<typeof siteStore>

/** What the kernel lends every feature of a site. */
export interface SiteKernel {
  readonly ctx: DurableObjectState
  readonly env: Env
  readonly db: SiteDatabase
  /** The log, to read; appends go through `commit`. */
  readonly log: EventLog
  /** The site's existence and state checks, and its events wrapped for the log. */
  readonly scope: SiteScope
  /** The site, when it exists. */
  site(): Site | undefined
  /** The object's time (ms). */
  now(): number
  /** The one commit path: replays a repeated write, or stores a plan's events and answer in one transaction. */
  commit: Commit
  /** The first answer to a repeated `Idempotency-Key`, if this is a repeat. */
  replay(idempotency: IdempotencyClaim | undefined): Reply | undefined
  /**
   * The common write: the feature's own events about one subject, decided once the write is
   * known not to be a repeat, and its answer from the state they leave.
   */
  write<T>(
    idempotency: IdempotencyClaim | undefined,
    at: { subject: string; actor: string },
    decide: () => SitewireEventBody[],
    reply: () => Reply<T>,
  ): Reply<T>
  /** Stores events the system decided on its own (no caller, no answer). */
  record(bodies: SitewireEventBody[], subject: string, actor: string): void
  /** Asks every feature when it is next due again: for work that ended outside a command. */
  wake(): void
}

/** A WebSocket's attachment: every socket the object accepts names the kind of peer it serves. */
export interface SocketAttachment {
  kind: string
}

/** Sockets of one kind, as a feature handles them. */
export interface SocketHandler<A extends SocketAttachment = SocketAttachment> {
  readonly kind: A['kind']
  message(socket: WebSocket, attachment: A, message: string | ArrayBuffer): void
  closed(socket: WebSocket, attachment: A, reason: 'closed' | 'error'): void
}

/** A request to the object's `fetch` that a feature answers: chosen by its path. */
export interface RequestHandler {
  handles(path: string): boolean
  handle(request: Request, url: URL): Promise<Response>
}

/**
 * One feature of a site, as the kernel drives it. The kernel knows features only through this
 * contract; each one lives in its own folder.
 *
 * - `evolve` folds a stored event into the feature's own tables, inside the commit's
 *   transaction: it writes state and decides nothing the event does not say.
 * - `react` hears events once they are committed: it returns what to send (effects, which the
 *   kernel carries out), and asks for follow-up commands, which the kernel runs from its queue
 *   once this reaction is done.
 * - `prunes` says which of the log's events an event lets go (the log deletes them).
 * - `due` is when the feature next has work (object time, ms); `work` does it, at start and
 *   when the alarm finds it due. A feature with `work` and no `due` works on every alarm.
 *   The kernel runs each feature's work on its own: one that throws is logged with the site
 *   and the feature's name, and the others still run.
 */
export interface SiteFeature {
  readonly name: string
  evolve?(event: LoggedEvent): void
  react?(events: readonly LoggedEvent[]): readonly SiteEffect[] | undefined
  prunes?(event: LoggedEvent): LogPrune | undefined
  due?(): number | undefined
  work?(): unknown
  readonly sockets?: SocketHandler
  readonly requests?: RequestHandler
}

/** What a reaction has the kernel do once its events are stored: a frame to the sockets with a tag. */
export interface SiteEffect {
  kind: 'send'
  /** The tag the sockets were accepted with, e.g. one agent's. */
  to: string
  frame: string
}

/** Events of one subject and type, stored before the event that lets them go. */
export interface LogPrune {
  subject: string
  type: CloudEvent['type']
}
