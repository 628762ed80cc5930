import { DurableObject } from 'cloudflare:workers'
import { drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import type { AppendResult } from '../../schema/api/events'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import * as siteStore from '../../schema/db/site-store'
import type { AppendableEvent } from '../../schema/events'
import type { WriteContext } from '../auth/caller'
import type { Env } from '../env'
import { ApiError, apiError } from '../http/errors'
import { AlarmScheduler } from '../lib/alarm-scheduler'
import { type Answer, IdempotencyStore } from '../lib/idempotency'
import { errorMessage, log, setLogLevel } from '../lib/log'
import type { AuditOutbox } from './audit-outbox'
import { CommitPath } from './commit-path'
import { EventLog } from './event-log'
import { EventStreams } from './event-streams'
import type { SiteFeature, SiteKernel } from './feature'
import { GroupCommit } from './group-commit'
import migrations from './migrations/migrations.js'
import { ProjectionQuarantine } from './projection-quarantine'
import type { Projector } from './projector'
import { Reactions } from './reactions'
import { RecentEvents } from './recent-events'
import { sendFrame } from './send-frame'
import { SiteAnswers } from './site-answers'
import type { SiteParts } from './site-api'
import { type Append, SiteCommands } from './site-commands'
import type { SiteState } from './site-decider'
import { siteAuditOutbox, siteProjector } from './site-outlets'
import { SiteScope } from './site-scope'
import { SocketDispatch } from './socket-dispatch'

/** How soon after an append the alarm checks that the projection caught up, even across a crash. */
const PROJECTION_CHECK_MS = 5_000

/**
 * The kernel of a site's Durable Object: the event log, the one commit path (one transaction
 * per command: idempotency, append, every feature's fold, the answer), the reactions queue,
 * live event streams, the projector that carries the log to libSQL, the alarm and the sockets.
 * It knows no feature by name: a subclass names them (`features`), and each is driven through
 * the `SiteFeature` contract.
 */
export abstract class SiteKernelObject extends DurableObject<Env> {
  protected log!: EventLog
  protected streams!: EventStreams
  protected projector!: Projector
  protected quarantine!: ProjectionQuarantine
  protected kernel!: SiteKernel
  private commits!: CommitPath
  private idempotency!: IdempotencyStore
  private audit!: AuditOutbox
  private sockets!: SocketDispatch
  private commands!: SiteCommands
  /** Answers callers in one turn each, refusals as their answers; decides whether a caller sees the site. */
  protected answers!: SiteAnswers
  private alarms!: AlarmScheduler
  private features: SiteFeature[] = []
  private readonly recent = new RecentEvents()
  private readonly appends = new GroupCommit((appends: Append[]) =>
    this.answers.answerEach(() => this.commands.appendAll(appends)),
  )
  private readonly reactions = new Reactions(() => this.features, {
    settled: () => this.alarms.schedule(this.features),
    perform: (effects) => {
      for (const effect of effects)
        for (const socket of this.ctx.getWebSockets(effect.to)) sendFrame(socket, effect.frame)
    },
    fault: (message, feature, error) => this.fault(message, feature, error),
    dropped: (count) => log('error', 'reactions did not settle', { site_id: this.siteId(), dropped: count }),
  })

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(() => this.start())
  }

  /** The features of this site, built on the kernel. */
  protected abstract createFeatures(kernel: SiteKernel): SiteFeature[]

  private async start() {
    await migrate(drizzle(this.ctx.storage), migrations)
    this.log = new EventLog(this.ctx.storage.sql)
    this.idempotency = new IdempotencyStore(this.ctx.storage.sql)
    this.quarantine = new ProjectionQuarantine(this.ctx.storage.sql)
    this.audit = siteAuditOutbox(this.ctx.storage.sql, {
      env: this.env,
      state: () => this.state,
      alarms: () => this.alarms,
      fault: (error) => this.fault('audit forwarding failed', 'audit', error),
    })
    this.streams = new EventStreams(this.ctx, this.log)
    this.alarms = new AlarmScheduler(this.ctx.storage, await this.ctx.storage.getAlarm())
    this.commits = new CommitPath({
      storage: this.ctx.storage,
      log: this.log,
      idempotency: this.idempotency,
      audit: this.audit,
      quarantine: this.quarantine,
      features: () => this.features,
      stored: (fresh) => {
        this.streams.publish(fresh)
        this.recent.add(fresh)
        this.alarms.wakeAt(Date.now() + PROJECTION_CHECK_MS)
        this.projector.soon()
        this.reactions.push(fresh)
      },
    })
    this.answers = new SiteAnswers(
      this.reactions,
      () => this.state,
      () => this.siteId(),
    )
    this.commands = new SiteCommands(this.commits, this.log, (caller) => this.answers.visibleSite(caller))
    this.sockets = new SocketDispatch(
      () => this.features,
      (run) => this.reactions.turn(run),
      () => this.commits.siteId(),
    )
    this.kernel = this.lend()
    this.features = this.createFeatures(this.kernel)
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
    this.projector = siteProjector(this.env, {
      state: () => this.state,
      log: this.log,
      recent: this.recent,
      alarms: () => this.alarms,
      quarantine: this.quarantine,
      commits: this.commits,
    })
    if (this.log.head > 0) void this.projector.catchUp()
    void this.audit.flush()
    // What came due while the object was down is done now: every feature's work runs once.
    await this.work(this.features.filter((feature) => feature.work))
  }

  /** What features get: the kernel's parts they may use, and nothing of each other. */
  private lend(): SiteKernel {
    const site = () => (this.state.status === 'absent' ? undefined : this.state.site)
    const scope = new SiteScope(site)
    return {
      ctx: this.ctx,
      env: this.env,
      db: drizzle(this.ctx.storage, { schema: siteStore }),
      log: this.log,
      scope,
      site,
      now: () => Date.now(),
      commit: (idempotency, plan) => this.commits.commit(idempotency, plan),
      write: (idempotency, at, decide, reply) =>
        this.commits.commit(idempotency, (time) => ({
          events: scope.events(decide(), at.subject, at.actor, time),
          reply,
        })),
      replay: (idempotency) => this.idempotency.find(idempotency, Date.now()),
      record: (bodies, subject, actor) => this.commits.record(bodies, actor, subject),
      wake: () => this.alarms.schedule(this.features),
    }
  }

  // What the Worker calls directly

  /** Creates the site; the tenant object calls it, for a caller it has authorised. */
  createSite(siteId: string, input: CreateSiteBody, write: WriteContext): Answer<Site> {
    return this.answers.answer(() => this.commands.create(siteId, input, write))
  }

  /** Appends external CloudEvents as they are; appends that arrive together are committed together (see `SiteCommands.appendAll`). */
  appendEvents(events: AppendableEvent[], write: WriteContext): Promise<Answer<AppendResult>> {
    return this.appends.add({ events, write })
  }

  /** Deletes this site's projected rows and replays its log into them. */
  async rebuildProjection(): Promise<void> {
    await this.projector.rebuild()
  }

  /** The kernel's own parts, for the site's API. */
  protected siteParts(): SiteParts {
    return {
      site: () => {
        if (this.state.status === 'absent') throw apiError(404, 'not_found', 'site not found')
        return this.state.site
      },
      log: this.log,
      streams: this.streams,
      projector: this.projector,
      quarantine: this.quarantine,
      command: (command, write) => this.commands.run(command, write),
    }
  }

  // The alarm

  /** Each feature whose work is due runs it on its own; then the projection catches up. */
  override async alarm() {
    this.alarms.fired()
    const now = Date.now()
    await this.work(this.features.filter((feature) => this.alarms.isDue(feature, now)))
    await this.audit.flush()
    try {
      await this.projector.catchUp()
    } catch (error) {
      this.fault('alarm work failed', 'projection', error)
    }
  }

  private async work(features: SiteFeature[]) {
    await this.alarms.work(
      features,
      (feature) => this.reactions.turn(() => feature.work?.()),
      (feature, error) => this.fault('alarm work failed', feature.name, error),
    )
    this.alarms.schedule(this.features)
  }

  // Sockets and requests

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const feature = this.features.find((f) => f.requests?.handles(url.pathname))
    if (!feature?.requests) return this.fetchEvents(request, url)
    try {
      return await feature.requests.handle(request, url)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      return Response.json(error.toBody(), { status: error.status })
    }
  }

  /** The live event stream, for a caller of the site's tenant. */
  private fetchEvents(request: Request, url: URL): Response {
    const tenantId = request.headers.get('x-sitewire-tenant')
    if (this.state.status === 'absent' || this.state.site.tenant_id !== tenantId) {
      return Response.json(apiError(404, 'not_found', 'site not found').toBody(), { status: 404 })
    }
    if (url.pathname.endsWith('/events/stream') && request.headers.get('upgrade') === 'websocket') {
      const query = JSON.parse(request.headers.get('x-sitewire-query') ?? '{}') as {
        after?: number
        type?: string
      }
      return this.streams.open(query.after, query.type)
    }
    return Response.json(apiError(404, 'not_found', 'no such route').toBody(), { status: 404 })
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer) {
    this.sockets.message(socket, message)
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string) {
    this.sockets.closed(socket, code, reason)
  }

  override async webSocketError(socket: WebSocket, error: unknown) {
    this.sockets.failed(socket, error)
  }

  // Internals

  /** The site's own state, as the commit path folds it. */
  protected get state(): SiteState {
    return this.commits.state
  }

  private siteId(): string | null {
    return this.commits.siteId()
  }

  private fault(msg: string, feature: string, error: unknown) {
    log('error', msg, { site_id: this.siteId(), feature, error: errorMessage(error) })
  }
}
