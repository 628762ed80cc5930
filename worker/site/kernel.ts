import { DurableObject } from 'cloudflare:workers'
import { drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import type { AuditRecord } from '../../schema/api/access'
import type { AppendResult } from '../../schema/api/events'
import type { CreateSiteBody, Site } from '../../schema/api/sites'
import * as siteStore from '../../schema/db/site-store'
import {
  type AppendableEvent,
  EventType,
  type LoggedEvent,
  type SitewireEventBody,
} from '../../schema/events'
import { actorOf, type Caller, type WriteContext } from '../auth/caller'
import type { Env } from '../env'
import { ApiError, apiError, type Refusal, refusal } from '../http/errors'
import { type Answer, type IdempotencyClaim, IdempotencyStore, type Reply } from '../lib/idempotency'
import { errorMessage, log, setLogLevel } from '../lib/log'
import { tenantOf } from '../objects'
import { openProjections } from '../projections/database'
import { AlarmScheduler } from './alarm-scheduler'
import { APPEND_AUDIT_ACTION, AuditOutbox } from './audit-outbox'
import type { CallerScope } from './caller-scope'
import type { CommitPlan } from './commit-plan'
import { EventLog } from './event-log'
import { EventStreams } from './event-streams'
import type { SiteFeature, SiteKernel, SocketAttachment } from './feature'
import migrations from './migrations/migrations.js'
import { ProjectionQuarantine } from './projection-quarantine'
import { Projector } from './projector'
import { Reactions } from './reactions'
import { sendFrame } from './send-frame'
import type { SiteParts } from './site-api'
import {
  decideSite,
  evolveSite,
  initialSiteState,
  requireActive,
  type SiteCommand,
  type SiteState,
} from './site-decider'
import { SiteScope } from './site-scope'
import { toCloudEvent } from './sitewire-event'

const SITE_EVENT_PREFIX = 'io.sitewire.site.'

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
  protected state: SiteState = initialSiteState
  protected kernel!: SiteKernel
  private idempotency!: IdempotencyStore
  private audit!: AuditOutbox
  private alarms!: AlarmScheduler
  private features: SiteFeature[] = []
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
    this.audit = this.openAuditOutbox()
    this.streams = new EventStreams(this.ctx, this.log)
    this.alarms = new AlarmScheduler(this.ctx.storage, await this.ctx.storage.getAlarm())
    for (const event of this.log.readTypes(SITE_EVENT_PREFIX))
      this.state = evolveSite(this.state, event as never)
    this.kernel = this.lend()
    this.features = this.createFeatures(this.kernel)
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
    this.projector = this.openProjector()
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
      commit: (idempotency, plan) => this.commit(idempotency, plan),
      write: (idempotency, at, decide, reply) =>
        this.commit(idempotency, (time) => ({
          events: scope.events(decide(), at.subject, at.actor, time),
          reply,
        })),
      replay: (idempotency) => this.idempotency.find(idempotency, Date.now()),
      record: (bodies, subject, actor) => this.record(bodies, subject, actor),
      wake: () => this.alarms.schedule(this.features),
    }
  }

  private openProjector() {
    return new Projector(openProjections(this.env), {
      site: () =>
        this.state.status === 'absent'
          ? undefined
          : { siteId: this.state.site.id, tenantId: this.state.site.tenant_id },
      head: () => this.log.head,
      read: (after, limit) => this.log.readWithoutOutput(after, limit),
      retryAt: (at) => this.alarms.wakeAt(at),
      quarantined: () => this.quarantine.seqs(),
      quarantine: (events) =>
        this.recordForSite(
          events.map(({ seq, error, event }) => ({
            type: EventType.projectionQuarantined,
            data: { seq, event_id: event.id, event_type: event.type, error },
          })),
          'system/projector',
        ),
      release: (seqs) =>
        this.recordForSite(
          [{ type: EventType.projectionReleased, data: { seqs: [...seqs] } }],
          'system/projector',
        ),
    })
  }

  /** Forwards the audit entries of this site's writes to its tenant's trail. */
  private openAuditOutbox() {
    return new AuditOutbox(this.ctx.storage.sql, {
      send: async (entries) => {
        if (this.state.status === 'absent') throw new Error('audit entries in a site that does not exist')
        await tenantOf(this.env, this.state.site.tenant_id).importAudit(entries)
      },
      retryAt: (at) => this.alarms.wakeAt(at),
      fault: (error) => this.fault('audit forwarding failed', 'audit', error),
    })
  }

  // What the Worker calls directly

  /** Creates the site; the tenant object calls it, for a caller it has authorised. */
  createSite(siteId: string, input: CreateSiteBody, write: WriteContext): Answer<Site> {
    return this.answer(() =>
      this.siteCommand({ type: 'create', siteId, tenantId: write.caller.tenantId, input }, write),
    )
  }

  /**
   * Appends external CloudEvents as they are; the Worker has validated them. The append's audit
   * entry is stored with the events and forwarded to the tenant after the answer.
   */
  appendEvents(events: AppendableEvent[], write: WriteContext): Answer<AppendResult> {
    return this.answer(() => {
      const site = this.visibleSite(write.caller)
      requireActive(this.state)
      const audit = {
        actor: write.caller.actor,
        action: APPEND_AUDIT_ACTION,
        object: { type: 'site', id: site.id },
        site_id: site.id,
        address: write.caller.address,
        details: null,
      }
      return this.commit<AppendResult>(
        write.idempotency,
        () => ({
          events,
          reply: (appended) => ({
            status: appended.some((a) => !a.duplicate) ? 201 : 200,
            body: {
              items: appended.map(({ id, source, seq, duplicate }) => ({ id, source, seq, duplicate })),
              head_seq: this.log.head,
            },
          }),
        }),
        audit,
      )
    })
  }

  /** Deletes this site's projected rows and replays its log into them. */
  async rebuildProjection(): Promise<void> {
    await this.projector.rebuild()
  }

  // The caller's view

  /** The site as this caller may see it: absent, or another tenant's, is 404. */
  protected visibleSite(caller: Caller): Site {
    if (this.state.status === 'absent' || this.state.site.tenant_id !== caller.tenantId) {
      throw apiError(404, 'not_found', 'site not found')
    }
    return this.state.site
  }

  /** Decides once whether the caller may see the site; every call through the scope is answered accordingly. */
  protected scopeFor(caller: Caller): CallerScope {
    const visible = this.state.status !== 'absent' && this.state.site.tenant_id === caller.tenantId
    const guarded = <R>(run: () => R) => {
      if (!visible) throw apiError(404, 'not_found', 'site not found')
      return run()
    }
    return {
      answer: (run) => this.answer(() => guarded(run)),
      answerAsync: (run) => this.answerAsync(() => guarded(run)),
    }
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
      command: (command, write) => this.siteCommand(command, write),
    }
  }

  /** A command on the site itself, decided by the site decider. */
  private siteCommand(command: SiteCommand, write: WriteContext): Reply<Site> {
    return this.commit<Site>(write.idempotency, (time) => {
      const siteId = command.type === 'create' ? command.siteId : this.visibleSite(write.caller).id
      const at = { siteId, subject: siteId, actor: actorOf(write), time }
      return {
        events: decideSite(this.state, command).map((body) => toCloudEvent(body, at)),
        reply: (_appended, next) => {
          if (next.status === 'absent') throw new Error('site command left no site')
          return {
            status: command.type === 'create' && this.state.status === 'absent' ? 201 : 200,
            body: next.site,
          }
        },
      }
    })
  }

  /** Runs a command or query in one turn: a refusal becomes its answer; a fault propagates. */
  protected answer<T>(run: () => Reply<T>): Answer<T> {
    try {
      return this.reactions.turn(run)
    } catch (error) {
      return this.refusalOrRethrow(error)
    }
  }

  /** `answer` for work that awaits (R2, signing); its commits settle their own reactions. */
  protected async answerAsync<T>(run: () => Promise<Reply<T>>): Promise<Answer<T>> {
    try {
      return await this.reactions.turn(run)
    } catch (error) {
      return this.refusalOrRethrow(error)
    }
  }

  private refusalOrRethrow(error: unknown): Refusal {
    if (error instanceof ApiError) return refusal(error)
    log('error', 'site object fault', { site_id: this.siteId(), error: errorMessage(error) })
    throw error
  }

  // The commit path

  /**
   * Replays a repeated write, or decides one and stores its events, every feature's fold of
   * them, its answer and its audit entry (when `audit` is given) in one transaction; then tells
   * watchers and the projector, and queues the features' reactions.
   */
  protected commit<T>(
    idempotency: IdempotencyClaim | undefined,
    plan: CommitPlan<T>,
    audit?: Omit<AuditRecord, 'status'>,
  ): Reply<T> {
    const now = Date.now()
    const replay = this.idempotency.find(idempotency, now)
    if (replay) {
      if (audit) {
        this.audit.add({ ...audit, status: replay.status }, now)
        this.audit.soon()
      }
      return replay as Reply<T>
    }
    const time = new Date(now).toISOString()
    const { events, reply, replay: replayBody } = plan(time)
    let committed: { fresh: LoggedEvent[]; next: SiteState; answer: Reply<T> }
    try {
      committed = this.ctx.storage.transactionSync(() => {
        const appended = this.log.append(events, time)
        const fresh = appended.flatMap((a) => (a.event ? [a.event] : []))
        for (const event of fresh) this.evolve(event)
        const next = fresh.reduce(
          (state, event) =>
            event.type.startsWith(SITE_EVENT_PREFIX) ? evolveSite(state, event as never) : state,
          this.state,
        )
        const answer = reply(appended, next)
        if (audit) this.audit.add({ ...audit, status: answer.status }, now)
        this.idempotency.save(
          idempotency,
          replayBody === undefined ? answer : { status: answer.status, body: replayBody(answer.body) },
          now,
        )
        return { fresh, next, answer }
      })
    } catch (error) {
      this.log.reload()
      throw error
    }
    const { fresh, next, answer } = committed
    this.state = next
    if (audit) this.audit.soon()
    if (fresh.length > 0) this.afterAppend(fresh)
    return answer
  }

  /** Every feature's fold of one stored event, and what the event lets the log drop. */
  private evolve(event: LoggedEvent) {
    for (const feature of this.features) {
      feature.evolve?.(event)
      const prune = feature.prunes?.(event)
      if (prune) this.log.prune(prune.subject, prune.type, event.seq)
    }
    this.quarantine.apply(event)
  }

  private afterAppend(fresh: LoggedEvent[]) {
    this.streams.publish(fresh)
    this.alarms.wakeAt(Date.now() + PROJECTION_CHECK_MS)
    this.projector.soon()
    this.reactions.push(fresh)
  }

  /** Stores events the system decided on its own. */
  private record(bodies: SitewireEventBody[], subject: string, actor: string) {
    const siteId = this.siteId()
    if (!siteId || bodies.length === 0) return
    this.commit(undefined, (time) => ({
      events: bodies.map((body) => toCloudEvent(body, { siteId, subject, actor, time })),
      reply: () => ({ status: 200, body: null }),
    }))
  }

  private recordForSite(bodies: SitewireEventBody[], actor: string) {
    const siteId = this.siteId()
    if (siteId) this.record(bodies, siteId, actor)
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
    const attachment = socket.deserializeAttachment() as SocketAttachment | null
    const handler = this.socketHandler(attachment)
    if (handler && attachment) return this.reactions.turn(() => handler.message(socket, attachment, message))
    socket.send(
      JSON.stringify(
        apiError(400, 'read_only_stream', 'this stream only sends; use ping for keep-alive').toBody(),
      ),
    )
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string) {
    this.socketClosed(socket, 'closed')
    try {
      socket.close(code === 1005 ? 1000 : code, reason)
    } catch {
      // Already closed by the runtime.
    }
  }

  override async webSocketError(socket: WebSocket, error: unknown) {
    const attachment = this.socketClosed(socket, 'error')
    log('warn', 'socket error', {
      site_id: this.siteId(),
      kind: attachment?.kind,
      error: errorMessage(error),
    })
  }

  private socketClosed(socket: WebSocket, reason: 'closed' | 'error') {
    const attachment = socket.deserializeAttachment() as SocketAttachment | null
    const handler = this.socketHandler(attachment)
    if (handler && attachment) this.reactions.turn(() => handler.closed(socket, attachment, reason))
    return attachment
  }

  private socketHandler(attachment: SocketAttachment | null) {
    if (!attachment) return undefined
    return this.features.find((feature) => feature.sockets?.kind === attachment.kind)?.sockets
  }

  // Internals

  private siteId(): string | null {
    return this.state.status === 'absent' ? null : this.state.site.id
  }

  private fault(msg: string, feature: string, error: unknown) {
    log('error', msg, { site_id: this.siteId(), feature, error: errorMessage(error) })
  }
}
