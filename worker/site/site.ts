import { DurableObject } from 'cloudflare:workers'
import { drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import type { EnrolBody } from '../../schema/agent/protocol'
import type { CreateEnrolmentTokenBody, ListSiteAgentsQuery } from '../../schema/api/agents'
import type { AppendResult, ListEventsQuery, StreamEventsQuery } from '../../schema/api/events'
import type { ListFilesQuery } from '../../schema/api/files'
import type { ListRunsQuery, RequestRunBody, RerunBody } from '../../schema/api/runs'
import type { CreateScheduleBody, ListSchedulesQuery, UpdateScheduleBody } from '../../schema/api/schedules'
import type {
  CreateSiteBody,
  QuarantineRetried,
  Site,
  SiteStatus,
  UpdateSiteBody,
} from '../../schema/api/sites'
import type { CloneTaskBody, ListTasksQuery } from '../../schema/api/tasks'
import * as siteStore from '../../schema/db/site-store'
import {
  type AppendableEvent,
  EventType,
  type LoggedEvent,
  type RunFinished,
  type SitewireEventBody,
} from '../../schema/events'
import type { Target } from '../../schema/tasks/run-request'
import type { TaskDefinition } from '../../schema/tasks/task'
import type { AgentAttachment } from '../agents/agent-connections'
import type { AgentDecision } from '../agents/agent-decider'
import { AgentRegistry } from '../agents/agent-registry'
import { EnrolmentSigner } from '../agents/enrolment-signer'
import { SiteAgents } from '../agents/site-agents'
import type { Caller, WriteContext } from '../auth/caller'
import { type EncodedEvent, toBinaryMessage, toStructuredMessage } from '../cloudevents/binary-message'
import type { Env } from '../env'
import { FileBook } from '../files/file-book'
import { agentFileRoute } from '../files/paths'
import { SiteFiles } from '../files/site-files'
import { ApiError, apiError, type Refusal, refusal } from '../http/errors'
import { Clock } from '../lib/clock'
import { type Answer, type IdempotencyClaim, IdempotencyStore, type Reply } from '../lib/idempotency'
import { errorMessage, log, setLogLevel } from '../lib/log'
import { openProjections } from '../projections/database'
import { archivePath } from '../runs/run-archiver'
import { RunBook } from '../runs/run-book'
import { SiteRuns } from '../runs/site-runs'
import { ScheduleBook } from '../schedules/schedule-book'
import { SiteSchedules } from '../schedules/site-schedules'
import type { CommitPlan } from './commit-plan'
import { EventLog } from './event-log'
import { EventStreams } from './event-streams'
import migrations from './migrations/migrations.js'
import { ProjectionQuarantine } from './projection-quarantine'
import { Projector } from './projector'
import {
  decideSite,
  evolveSite,
  initialSiteState,
  requireActive,
  type SiteCommand,
  type SiteState,
} from './site-decider'
import { toCloudEvent } from './sitewire-event'

/** How soon after an append the alarm checks that the projection caught up, even across a crash. */
const PROJECTION_CHECK_MS = 5_000
const SITE_EVENT_PREFIX = 'io.sitewire.site.'
/** When the alarm comes back for work that threw. */
const ALARM_RETRY_MS = 30_000

/**
 * One site: its event log, its current state folded from that log, live streams, and the
 * projector that carries the log to libSQL. Commands are decided here and their events
 * appended in one storage transaction.
 */
export class SiteObject extends DurableObject<Env> {
  private log!: EventLog
  private streams!: EventStreams
  private projector!: Projector
  private quarantine!: ProjectionQuarantine
  private idempotency!: IdempotencyStore
  private state: SiteState = initialSiteState
  /** When the stored alarm fires (ms), as far as this instance knows. */
  private alarmAt: number | undefined
  private agentRegistry!: AgentRegistry
  private agents!: SiteAgents
  private runBook!: RunBook
  private runs!: SiteRuns
  private fileBook!: FileBook
  private files!: SiteFiles
  private scheduleBook!: ScheduleBook
  private schedules!: SiteSchedules
  /** The object's time: the system's, unless a test moved it (`clock.advanceForTests`). */
  clock!: Clock

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    setLogLevel(env.LOG_LEVEL)
    ctx.blockConcurrencyWhile(() => this.start())
  }

  private async start() {
    await migrate(drizzle(this.ctx.storage), migrations)
    this.clock = new Clock(this.ctx.storage.kv)
    this.log = new EventLog(this.ctx.storage.sql)
    this.idempotency = new IdempotencyStore(this.ctx.storage.sql)
    this.quarantine = new ProjectionQuarantine(this.ctx.storage.sql)
    this.streams = new EventStreams(this.ctx, this.log)
    const db = drizzle(this.ctx.storage, { schema: siteStore })
    const site = () => (this.state.status === 'absent' ? undefined : this.state.site)
    this.agentRegistry = new AgentRegistry(db)
    this.runBook = new RunBook(db)
    this.agents = new SiteAgents({
      ctx: this.ctx,
      registry: this.agentRegistry,
      signer: new EnrolmentSigner(this.ctx.storage.kv),
      site,
      commit: (idempotency, plan) => this.commit(idempotency, plan),
      admit: (frame, agentId) => this.runs.admit(frame, agentId),
      welcomed: (agentId) => this.runs.agentWelcomed(agentId),
      now: () => this.clock.now(),
    })
    this.fileBook = new FileBook(db)
    this.files = new SiteFiles({
      book: this.fileBook,
      runs: this.runBook,
      bucket: this.env.ARCHIVES,
      site,
      commit: (idempotency, plan) => this.commit(idempotency, plan),
      replay: (idempotency) => this.idempotency.find(idempotency, this.clock.now()),
      findAgent: (agentId) => this.agentRegistry.agent(agentId),
      originOf: (agentId) => this.agents.origin(agentId),
    })
    this.runs = new SiteRuns({
      book: this.runBook,
      db,
      log: this.log,
      bucket: this.env.ARCHIVES,
      site,
      commit: (idempotency, plan) => this.commit(idempotency, plan),
      online: (agentId) => this.agents.sockets(agentId).length > 0,
      sendTo: (agentId, message) => this.agents.send(agentId, message),
      files: this.files,
      wakeAt: (at) => this.wakeAt(at),
      now: () => this.clock.now(),
    })
    this.scheduleBook = new ScheduleBook(db)
    this.schedules = new SiteSchedules({
      book: this.scheduleBook,
      tasks: this.runBook,
      runs: this.runs,
      site,
      commit: (idempotency, plan) => this.commit(idempotency, plan),
      wakeAt: (at) => this.wakeAt(at),
      now: () => this.clock.now(),
    })
    this.alarmAt = (await this.ctx.storage.getAlarm()) ?? undefined
    for (const event of this.log.readTypes(SITE_EVENT_PREFIX))
      this.state = evolveSite(this.state, event as never)
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
    this.projector = new Projector(openProjections(this.env), {
      site: () =>
        this.state.status === 'absent'
          ? undefined
          : { siteId: this.state.site.id, tenantId: this.state.site.tenant_id },
      head: () => this.log.head,
      read: (after, limit) => this.log.read(after, limit),
      retryAt: (at) => this.wakeAt(this.clock.fromSystem(at)),
      quarantined: () => this.quarantine.seqs(),
      quarantine: (events) =>
        this.recordProjection(
          events.map(({ seq, error, event }) => ({
            type: EventType.projectionQuarantined,
            data: { seq, event_id: event.id, event_type: event.type, error },
          })),
        ),
      release: (seqs) =>
        this.recordProjection([{ type: EventType.projectionReleased, data: { seqs: [...seqs] } }]),
    })
    if (this.log.head > 0) void this.projector.catchUp()
    this.agents.reconcilePresence()
    // Runs resume from their state after a restart: anything overdue is decided now.
    this.runs.advance()
    // Fire times that passed while the object was down follow each schedule's policy now.
    this.schedules.fireDue()
  }

  // Queries

  getSite(caller: Caller): Answer<Site> {
    return this.answer(() => ({ status: 200, body: this.visibleSite(caller) }))
  }

  listEvents(caller: Caller, query: ListEventsQuery) {
    return this.answer(() => {
      this.visibleSite(caller)
      const items = this.log.read(query.after, query.limit, query.type)
      const last = items.at(-1)
      const more = items.length === query.limit && last !== undefined && last.seq < this.log.head
      return { status: 200, body: { items, next_cursor: more ? String(last.seq) : null } }
    })
  }

  /** One event, written in the JSON format or in HTTP's binary mode. */
  getEvent(caller: Caller, seq: number, mode: 'structured' | 'binary'): Answer<EncodedEvent> {
    return this.answer(() => {
      this.visibleSite(caller)
      const [event] = this.log.readSeqs([seq])
      if (!event) throw apiError(404, 'not_found', `no event ${seq} in this log`)
      return { status: 200, body: mode === 'binary' ? toBinaryMessage(event) : toStructuredMessage(event) }
    })
  }

  /** The events the projector set aside, with their errors. */
  listQuarantine(caller: Caller) {
    return this.answer(() => {
      this.visibleSite(caller)
      const rows = this.quarantine.list()
      const events = new Map(this.log.readSeqs(rows.map((row) => row.seq)).map((event) => [event.seq, event]))
      const items = rows.map((row) => {
        const event = events.get(row.seq)
        return {
          seq: row.seq,
          id: event?.id ?? null,
          source: event?.source ?? null,
          type: event?.type ?? null,
          error: row.error,
          quarantined_at: row.quarantined_at,
        }
      })
      return { status: 200, body: { items } }
    })
  }

  /** Applies the quarantined events to the projection again. */
  async retryQuarantine(caller: Caller): Promise<Answer<QuarantineRetried>> {
    return this.answerAsync(async () => {
      this.visibleSite(caller)
      const { released, stillQuarantined } = await this.projector.retryQuarantined()
      return { status: 200, body: { released, still_quarantined: stillQuarantined } }
    })
  }

  status(caller: Caller): Answer<SiteStatus> {
    return this.answer(() => {
      const site = this.visibleSite(caller)
      const projector = this.projector.status
      return {
        status: 200,
        body: {
          site_id: site.id,
          head_seq: this.log.head,
          projected_seq: projector.projectedSeq,
          lag: projector.projectedSeq === null ? null : this.log.head - projector.projectedSeq,
          projector: {
            state: projector.state,
            last_error: projector.lastError,
            next_retry_at:
              projector.nextRetryAt === null ? null : new Date(projector.nextRetryAt).toISOString(),
            failures: projector.failures,
          },
          quarantine: this.quarantine.summary(),
          stream_clients: this.streams.count,
        },
      }
    })
  }

  // Commands

  createSite(siteId: string, input: CreateSiteBody, write: WriteContext): Answer<Site> {
    return this.runSiteCommand(write, { type: 'create', siteId, tenantId: write.caller.tenantId, input }, 201)
  }

  updateSite(input: UpdateSiteBody, write: WriteContext): Answer<Site> {
    return this.runSiteCommand(write, { type: 'update', input })
  }

  archiveSite(reason: string | undefined, write: WriteContext): Answer<Site> {
    return this.runSiteCommand(
      write,
      reason === undefined ? { type: 'archive' } : { type: 'archive', reason },
    )
  }

  restoreSite(write: WriteContext): Answer<Site> {
    return this.runSiteCommand(write, { type: 'restore' })
  }

  /** Appends external CloudEvents as they are; the Worker has validated them. */
  appendEvents(events: AppendableEvent[], write: WriteContext): Answer<AppendResult> {
    return this.answer(() => {
      if (this.state.status === 'absent' || this.state.site.tenant_id !== write.caller.tenantId) {
        throw apiError(404, 'not_found', 'site not found')
      }
      requireActive(this.state)
      return this.commit<AppendResult>(write.idempotency, () => ({
        events,
        reply: (appended) => ({
          status: appended.some((a) => !a.duplicate) ? 201 : 200,
          body: {
            items: appended.map(({ id, source, seq, duplicate }) => ({ id, source, seq, duplicate })),
            head_seq: this.log.head,
          },
        }),
      }))
    })
  }

  /** Deletes this site's projected rows and replays its log into them. */
  async rebuildProjection(): Promise<void> {
    await this.projector.rebuild()
  }

  // Agents

  createEnrolmentToken(
    caller: Caller,
    input: CreateEnrolmentTokenBody,
    write: WriteContext,
    platformUrl: string,
  ) {
    return this.answerAsync(() => {
      this.visibleSite(caller)
      return this.agents.createToken(input, actorOf(write), write.idempotency, platformUrl)
    })
  }

  listEnrolmentTokens(caller: Caller, limit: number, cursor: string | undefined) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.agents.listTokens(limit, cursor)
    })
  }

  revokeEnrolmentToken(caller: Caller, tokenId: string, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.agents.revokeToken(tokenId, actorOf(write), write.idempotency)
    })
  }

  /** Enrols an agent with an enrolment token; needs no caller, the token is the credential. */
  enrolAgent(token: string, body: EnrolBody, platformUrl: string) {
    return this.answerAsync(() => this.agents.enrol(token, body, platformUrl))
  }

  listAgents(caller: Caller, query: ListSiteAgentsQuery) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.agents.list(query)
    })
  }

  getAgent(caller: Caller, agentId: string) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.agents.get(agentId)
    })
  }

  decideAgent(
    caller: Caller,
    agentId: string,
    decision: AgentDecision,
    reason: string | undefined,
    write: WriteContext,
  ) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.agents.decide(agentId, decision, reason, actorOf(write), write.idempotency)
    })
  }

  refreshAgentFacts(caller: Caller, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.agents.refreshFacts(actorOf(write), write.idempotency)
    })
  }

  // Tasks and runs

  createTask(caller: Caller, definition: TaskDefinition, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.createTask(definition, actorOf(write), write.idempotency)
    })
  }

  updateTask(caller: Caller, taskId: string, definition: TaskDefinition, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.updateTask(taskId, definition, actorOf(write), write.idempotency)
    })
  }

  cloneTask(caller: Caller, taskId: string, input: CloneTaskBody, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.cloneTask(taskId, input, actorOf(write), write.idempotency)
    })
  }

  deleteTask(caller: Caller, taskId: string, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.deleteTask(taskId, actorOf(write), write.idempotency)
    })
  }

  getTask(caller: Caller, taskId: string) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.getTask(taskId)
    })
  }

  listTasks(caller: Caller, query: ListTasksQuery) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.listTasks(query)
    })
  }

  listTaskVersions(caller: Caller, taskId: string) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.listVersions(taskId)
    })
  }

  previewTargets(caller: Caller, target: Target) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.previewTargets(target)
    })
  }

  requestRun(caller: Caller, taskId: string, input: RequestRunBody, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.requestRun(taskId, input, actorOf(write), write.idempotency)
    })
  }

  rerun(caller: Caller, runId: string, input: RerunBody, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.rerun(runId, input, actorOf(write), write.idempotency)
    })
  }

  cancelRun(caller: Caller, runId: string, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.cancelRun(runId, actorOf(write), write.idempotency)
    })
  }

  getRun(caller: Caller, runId: string) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.getRun(runId)
    })
  }

  getRunArchive(caller: Caller, runId: string) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.getRunArchive(runId)
    })
  }

  listRuns(caller: Caller, query: ListRunsQuery) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.runs.listRuns(query)
    })
  }

  // Schedules

  createSchedule(caller: Caller, input: CreateScheduleBody, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.schedules.create(input, actorOf(write), write.idempotency)
    })
  }

  updateSchedule(caller: Caller, scheduleId: string, input: UpdateScheduleBody, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.schedules.update(scheduleId, input, actorOf(write), write.idempotency)
    })
  }

  pauseSchedule(caller: Caller, scheduleId: string, paused: boolean, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.schedules.setPaused(scheduleId, paused, actorOf(write), write.idempotency)
    })
  }

  deleteSchedule(caller: Caller, scheduleId: string, write: WriteContext) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.schedules.remove(scheduleId, actorOf(write), write.idempotency)
    })
  }

  getSchedule(caller: Caller, scheduleId: string) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.schedules.get(scheduleId)
    })
  }

  listSchedules(caller: Caller, query: ListSchedulesQuery) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.schedules.list(query)
    })
  }

  // Files

  /** Streams an upload to R2 and records it; `content` is not read when the upload is refused. */
  uploadFile(
    caller: Caller,
    upload: { name: string; bytes: number },
    content: ReadableStream<Uint8Array> | null,
    write: WriteContext,
  ) {
    return this.answerAsync(() =>
      this.files.upload(upload, content, caller.tenantId, actorOf(write), write.idempotency),
    )
  }

  listFiles(caller: Caller, query: ListFilesQuery) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.files.list(query)
    })
  }

  getFile(caller: Caller, fileId: string) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.files.get(fileId)
    })
  }

  deleteFile(caller: Caller, fileId: string, write: WriteContext) {
    return this.answerAsync(() => {
      this.visibleSite(caller)
      return this.files.delete(fileId, actorOf(write), write.idempotency)
    })
  }

  getFetchedFile(caller: Caller, runId: string, agentId: string, index: number) {
    return this.answer(() => {
      this.visibleSite(caller)
      return this.files.fetched(runId, agentId, index)
    })
  }

  // Live stream, alarm, sockets

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname.endsWith('/agents/connect')) {
      try {
        return await this.agents.connect(request, url.pathname)
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        return Response.json(error.toBody(), { status: error.status })
      }
    }
    if (agentFileRoute(url.pathname)) {
      try {
        return await this.files.forAgent(request, url.pathname)
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        return Response.json(error.toBody(), { status: error.status })
      }
    }
    const tenantId = request.headers.get('x-sitewire-tenant')
    if (this.state.status === 'absent' || this.state.site.tenant_id !== tenantId) {
      return Response.json(apiError(404, 'not_found', 'site not found').toBody(), { status: 404 })
    }
    const logs = /\/runs\/([0-9A-Z]{26})\/logs$/.exec(url.pathname)
    if (logs?.[1]) return this.followRunLogs(this.state.site.id, logs[1], request)
    if (url.pathname.endsWith('/events/stream') && request.headers.get('upgrade') === 'websocket') {
      const query = JSON.parse(request.headers.get('x-sitewire-query') ?? '{}') as StreamEventsQuery
      return this.streams.open(query.after, query.type)
    }
    return Response.json(apiError(404, 'not_found', 'no such route').toBody(), { status: 404 })
  }

  /**
   * Each part's due work runs on its own: one that throws is logged with the site and its
   * name, the others still run, and the alarm comes back for it.
   */
  override async alarm() {
    this.alarmAt = undefined
    const due: [string, () => unknown][] = [
      ['agents', () => this.agents.reconcilePresence()],
      ['runs', () => this.runs.advance()],
      ['schedules', () => this.schedules.fireDue()],
      ['projection', () => this.projector.catchUp()],
    ]
    for (const [feature, run] of due) {
      try {
        await run()
      } catch (error) {
        log('error', 'alarm work failed', {
          site_id: this.state.status === 'absent' ? null : this.state.site.id,
          feature,
          error: errorMessage(error),
        })
        this.wakeAt(this.clock.now() + ALARM_RETRY_MS)
      }
    }
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer) {
    const attachment = socket.deserializeAttachment() as { kind: string }
    if (isAgent(attachment)) return this.agents.message(socket, attachment, message)
    socket.send(
      JSON.stringify(
        apiError(400, 'read_only_stream', 'this stream only sends; use ping for keep-alive').toBody(),
      ),
    )
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string) {
    const attachment = socket.deserializeAttachment() as { kind: string }
    if (isAgent(attachment)) this.agents.closed(socket, attachment, 'closed')
    try {
      socket.close(code === 1005 ? 1000 : code, reason)
    } catch {
      // Already closed by the runtime.
    }
  }

  override async webSocketError(socket: WebSocket, error: unknown) {
    const attachment = socket.deserializeAttachment() as { kind: string }
    if (isAgent(attachment)) this.agents.closed(socket, attachment, 'error')
    log('warn', 'socket error', { kind: attachment.kind, error: errorMessage(error) })
  }

  /** A run's output as server-sent events, from `Last-Event-ID` (or `after`) on. */
  private followRunLogs(siteId: string, runId: string, request: Request): Response {
    const query = JSON.parse(request.headers.get('x-sitewire-query') ?? '{}') as {
      agent_id?: string
      after?: number
    }
    const run = this.runBook.run(runId)
    if (!run) return Response.json(apiError(404, 'not_found', 'run not found').toBody(), { status: 404 })
    const lastEventId = Number(request.headers.get('last-event-id'))
    return this.runs.followers.open(runId, {
      after: Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : (query.after ?? 0),
      agentId: query.agent_id,
      finished:
        run.finishedAt === null
          ? undefined
          : (this.log.readSubject(runId, EventType.runFinished, 0, 1)[0]?.data as RunFinished | undefined),
      archived: run.archive ? { ...run.archive, download: archivePath(siteId, runId) } : undefined,
    })
  }

  // Internals

  private visibleSite(caller: Caller): Site {
    if (this.state.status === 'absent' || this.state.site.tenant_id !== caller.tenantId) {
      throw apiError(404, 'not_found', 'site not found')
    }
    return this.state.site
  }

  private runSiteCommand(write: WriteContext, command: SiteCommand, createdStatus = 200): Answer<Site> {
    return this.answer(() => {
      if (command.type !== 'create') this.visibleSite(write.caller)
      return this.commit<Site>(write.idempotency, (time) => {
        const siteId = command.type === 'create' ? command.siteId : this.visibleSite(write.caller).id
        const at = {
          siteId,
          subject: siteId,
          actor: `${write.caller.actor.type}/${write.caller.actor.id}`,
          time,
        }
        return {
          events: decideSite(this.state, command).map((body) => toCloudEvent(body, at)),
          reply: (_appended, next) => {
            if (next.status === 'absent') throw new Error('site command left no site')
            return {
              status: command.type === 'create' && this.state.status === 'absent' ? createdStatus : 200,
              body: next.site,
            }
          },
        }
      })
    })
  }

  /**
   * Replays a repeated write, or decides one and stores its events, its new state and its
   * answer in one transaction; then tells watchers and the projector.
   */
  private commit<T>(idempotency: IdempotencyClaim | undefined, plan: CommitPlan<T>): Reply<T> {
    const now = this.clock.now()
    const replay = this.idempotency.find(idempotency, now)
    if (replay) return replay as Reply<T>
    const time = new Date(now).toISOString()
    const { events, reply, replay: replayBody } = plan(time)
    let committed: { fresh: LoggedEvent[]; next: SiteState; answer: Reply<T> }
    try {
      committed = this.ctx.storage.transactionSync(() => {
        const appended = this.log.append(events, time)
        const fresh = appended.flatMap((a) => (a.event ? [a.event] : []))
        for (const event of fresh) {
          this.agentRegistry.apply(event)
          this.runBook.apply(event)
          this.fileBook.apply(event)
          this.scheduleBook.apply(event)
          this.quarantine.apply(event)
        }
        const next = fresh.reduce(
          (state, event) =>
            event.type.startsWith(SITE_EVENT_PREFIX) ? evolveSite(state, event as never) : state,
          this.state,
        )
        const answer = reply(appended, next)
        this.idempotency.save(
          idempotency,
          replayBody === undefined ? answer : { ...answer, body: replayBody },
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
    if (fresh.length > 0) this.afterAppend(fresh)
    return answer
  }

  /** Records what the projector did with events it could not apply. */
  private recordProjection(bodies: SitewireEventBody[]) {
    if (this.state.status === 'absent') return
    const siteId = this.state.site.id
    this.commit(undefined, (time) => ({
      events: bodies.map((body) =>
        toCloudEvent(body, { siteId, subject: siteId, actor: 'system/projector', time }),
      ),
      reply: () => ({ status: 200, body: null }),
    }))
  }

  private afterAppend(fresh: LoggedEvent[]) {
    this.streams.publish(fresh)
    this.wakeAt(this.clock.now() + PROJECTION_CHECK_MS)
    this.projector.soon()
    this.runs.react(fresh)
  }

  /**
   * One alarm serves the projector, the runs and the schedules: it is moved only ever sooner.
   * `at` is on the object's clock; the stored alarm goes off on the system's.
   */
  private wakeAt(at: number) {
    const system = this.clock.toSystem(at)
    if (this.alarmAt !== undefined && this.alarmAt <= system) return
    this.alarmAt = system
    void this.ctx.storage.setAlarm(system)
  }

  private async answerAsync<T>(run: () => Promise<Reply<T>>): Promise<Answer<T>> {
    try {
      return await run()
    } catch (error) {
      return refusalOrRethrow(error)
    }
  }

  /** Turns a refused command into its error answer; anything else is a fault and propagates. */
  private answer<T>(run: () => Reply<T>): Answer<T> {
    try {
      return run()
    } catch (error) {
      return refusalOrRethrow(error)
    }
  }
}

const actorOf = (write: WriteContext) => `${write.caller.actor.type}/${write.caller.actor.id}`

const isAgent = (attachment: { kind: string } | null): attachment is AgentAttachment =>
  attachment?.kind === 'agent'

const refusalOrRethrow = (error: unknown): Refusal => {
  if (error instanceof ApiError) return refusal(error)
  log('error', 'site object fault', { error: errorMessage(error) })
  throw error
}
