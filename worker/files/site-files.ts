import { monotonicFactory } from 'ulid'
import { agentFilePath, type ServerMessage } from '../../schema/agent/protocol'
import type { ListFilesQuery, SiteFile } from '../../schema/api/files'
import type { Site } from '../../schema/api/sites'
import { type CloudEvent, EventType, type LoggedEvent, type SitewireEventBody } from '../../schema/events'
import type { Step } from '../../schema/tasks/steps'
import type { TaskDefinition } from '../../schema/tasks/task'
import { agentOrigin, authenticateAgent } from '../agents/agent-connections'
import type { AgentRegistry } from '../agents/agent-registry'
import { apiError } from '../http/errors'
import type { IdempotencyClaim, Reply } from '../lib/idempotency'
import { errorMessage, log } from '../lib/log'
import { type Page, pageReply } from '../lib/paging'
import type { RunBook } from '../runs/run-book'
import type { RequestHandler, SiteFeature, SiteKernel } from '../site/feature'
import type { SiteScope } from '../site/site-scope'
import { toCloudEvent } from '../site/sitewire-event'
import { type FetchedFileRow, FileBook, type FileRow } from './file-book'
import { agentFileRoute, fetchedFileKey, siteFileKey, uploadPath } from './paths'
import { announcedLength, fileResponse, storeFile } from './storage'

const nextId = monotonicFactory()

type StepMessage = Extract<ServerMessage, { type: 'step' }>

/** What a file step's message carries besides the step: where the agent gets or puts the bytes. */
export type StepTransfer = Pick<StepMessage, 'file' | 'upload_url'>

/** What the runs ask of the files: their tasks name existing files, their steps carry URLs. */
export interface StepFiles {
  checkSteps(definition: TaskDefinition): void
  transfer(agentId: string, step: Step, at: { runId: string; index: number; attempt: number }): StepTransfer
}

/** What the files need beside the kernel: where agents' steps stand, and who the agents are. */
export interface SiteFilesPorts {
  runs: Pick<RunBook, 'activeStepsOf' | 'definitionOf' | 'runAgent' | 'run'>
  agents: Pick<AgentRegistry, 'agent'>
  /** Whether the agent keeps a resource that names the file: it may download it too. */
  keeps: (agentId: string, fileId: string) => boolean
}

/**
 * A site's files: operators upload them for push steps, agents download them while on such
 * a step, and upload what fetch steps read. The bytes go to R2 and the facts to the log.
 */
export class SiteFiles implements SiteFeature, StepFiles {
  readonly name = 'files'
  private readonly scope: SiteScope
  private readonly book: FileBook
  private readonly bucket: R2Bucket
  readonly requests: RequestHandler = {
    handles: (path) => agentFileRoute(path) !== undefined,
    handle: (request, url) => this.forAgent(request, url.pathname),
  }

  constructor(
    private readonly kernel: SiteKernel,
    private readonly ports: SiteFilesPorts,
  ) {
    this.scope = kernel.scope
    this.book = new FileBook(kernel.db)
    this.bucket = kernel.env.ARCHIVES
  }

  evolve(event: LoggedEvent) {
    this.book.apply(event)
  }

  // Operators

  /**
   * Streams an upload into R2, then records it. A refused upload or a repeat is not read; the
   * bytes of an upload that ends up not recorded are removed.
   */
  async upload(
    upload: { name: string; bytes: number },
    content: ReadableStream<Uint8Array> | null,
    tenantId: string,
    actor: string,
    idempotency: IdempotencyClaim | undefined,
  ): Promise<Reply<SiteFile>> {
    try {
      if (this.kernel.site()?.tenant_id !== tenantId) throw apiError(404, 'not_found', 'site not found')
      const site = this.scope.active()
      const replay = this.kernel.replay(idempotency)
      if (replay) return replay as Reply<SiteFile>
      return await this.store(site, upload, content, actor, idempotency)
    } finally {
      // Refused or repeated: the body is dropped unread, which also ends the Worker's sending of it.
      if (content && !content.locked) await content.cancel()
    }
  }

  private async store(
    site: Site,
    upload: { name: string; bytes: number },
    content: ReadableStream<Uint8Array> | null,
    actor: string,
    idempotency: IdempotencyClaim | undefined,
  ): Promise<Reply<SiteFile>> {
    const fileId = nextId()
    const key = siteFileKey(site.id, fileId)
    const { sha256 } = await storeFile(this.bucket, key, content, upload.bytes)
    let recorded = false
    let reply: Reply<SiteFile>
    try {
      reply = this.kernel.commit<SiteFile>(idempotency, (time) => {
        // The site may have been archived while the bytes were on their way.
        this.scope.active()
        recorded = true
        return {
          events: this.scope.events(
            [
              {
                type: EventType.fileUploaded,
                data: { file_id: fileId, name: upload.name, bytes: upload.bytes, sha256 },
              },
            ],
            fileId,
            actor,
            time,
          ),
          reply: () => ({ status: 201, body: this.toFile(this.requireFile(fileId)) }),
        }
      })
    } catch (error) {
      await this.bucket.delete(key)
      throw error
    }
    // A repeat of the same Idempotency-Key was recorded while these bytes were uploading.
    if (!recorded) await this.bucket.delete(key)
    return reply
  }

  list(query: ListFilesQuery): Reply<Page<SiteFile>> {
    this.scope.present()
    return pageReply(this.book.files(query.limit, query.cursor), query.limit, (row) => this.toFile(row))
  }

  get(fileId: string): Reply<SiteFile> {
    return { status: 200, body: this.toFile(this.requireFile(fileId)) }
  }

  /**
   * Records the deletion, then removes the bytes: a failure there leaves bytes no one can
   * reach, never a listed file without bytes.
   */
  async delete(
    fileId: string,
    actor: string,
    idempotency: IdempotencyClaim | undefined,
  ): Promise<Reply<SiteFile>> {
    const site = this.scope.active()
    const file = this.toFile(this.requireFile(fileId))
    const reply = this.kernel.write<SiteFile>(
      idempotency,
      { subject: fileId, actor },
      () => [{ type: EventType.fileDeleted, data: { file_id: fileId } }],
      () => ({ status: 200, body: file }),
    )
    try {
      await this.bucket.delete(siteFileKey(site.id, fileId))
    } catch (error) {
      log('warn', 'file bytes not removed', { file_id: fileId, error: errorMessage(error) })
    }
    return reply
  }

  /** Where the file an agent fetched in a step is: the latest attempt that reported one. */
  fetched(runId: string, agentId: string, index: number): Reply<FetchedFileRow> {
    this.scope.present()
    if (!this.ports.runs.run(runId)) throw apiError(404, 'not_found', 'run not found')
    const fetched = this.book.fetched(runId, agentId, index)
    if (!fetched) throw apiError(404, 'not_found', 'no file was fetched by this agent in this step')
    return { status: 200, body: fetched }
  }

  /** Whether a file uploaded to the site exists (and was not deleted). */
  exists(fileId: string): boolean {
    return this.book.file(fileId) !== undefined
  }

  // Agents

  /**
   * An agent downloads the file of the push step it is on, or uploads the file of the fetch
   * step attempt it is on; its JWT is for exactly the path it asks for.
   */
  async forAgent(request: Request, path: string): Promise<Response> {
    try {
      return await this.answerAgent(request, path)
    } finally {
      // A refused upload is not read: dropping its body now ends the Worker's forwarding cleanly.
      if (request.body && !request.body.locked) await request.body.cancel()
    }
  }

  private async answerAgent(request: Request, path: string): Promise<Response> {
    const site = this.scope.present()
    const route = agentFileRoute(path)
    if (!route) throw apiError(404, 'not_found', 'no such route')
    const agent = await authenticateAgent(request, path, (id) => this.ports.agents.agent(id))
    if (route.kind === 'push') {
      if (!this.pushing(agent.id, route.fileId) && !this.ports.keeps(agent.id, route.fileId))
        throw apiError(
          403,
          'not_your_step',
          'this agent is on no step that pushes this file, and keeps no resource that names it',
        )
      const file = this.book.file(route.fileId)
      const object = file && (await this.bucket.get(siteFileKey(site.id, file.id)))
      if (!file || !object) throw apiError(404, 'not_found', 'file not found')
      return fileResponse(object, file.sha256)
    }
    if (!this.fetching(agent.id, route))
      throw apiError(403, 'not_your_step', 'this agent is not on this attempt of a fetch step')
    const bytes = announcedLength(request.headers.get('content-length'))
    const key = fetchedFileKey(site.id, route.runId, agent.id, route.index, route.attempt)
    return Response.json(await storeFile(this.bucket, key, request.body, bytes), { status: 201 })
  }

  private pushing(agentId: string, fileId: string) {
    return this.ports.runs.activeStepsOf(agentId).some((on) => {
      const step = this.ports.runs.definitionOf(on.runId)?.steps[on.stepIndex]
      return step?.kind === 'file' && step.direction === 'push' && step.file_id === fileId
    })
  }

  private fetching(agentId: string, at: { runId: string; index: number; attempt: number }) {
    const on = this.ports.runs.runAgent(at.runId, agentId)
    const step = this.ports.runs.definitionOf(at.runId)?.steps[at.index]
    return (
      on?.state === 'active' &&
      on.stepIndex === at.index &&
      on.attempt === at.attempt &&
      step?.kind === 'file' &&
      step.direction === 'fetch'
    )
  }

  // Runs

  checkSteps(definition: TaskDefinition) {
    const missing = definition.steps.flatMap((step, index) =>
      step.kind === 'file' && step.direction === 'push' && !this.book.file(step.file_id)
        ? [{ step: index, file_id: step.file_id }]
        : [],
    )
    if (missing.length > 0)
      throw apiError(
        422,
        'unknown_file',
        `the site has no file ${missing.map((m) => m.file_id).join(', ')}; upload it first`,
        missing,
      )
  }

  /** URLs on the origin the agent connected to: that one, it can reach. */
  transfer(agentId: string, step: Step, at: { runId: string; index: number; attempt: number }): StepTransfer {
    if (step.kind !== 'file') return {}
    const origin = agentOrigin(this.kernel.ctx, agentId)
    // Not connected: the step is sent again, with its URLs, when the agent is back.
    if (!origin) return {}
    const siteId = this.scope.present().id
    if (step.direction === 'fetch')
      return { upload_url: origin + uploadPath(siteId, at.runId, at.index, at.attempt) }
    const file = this.book.file(step.file_id)
    // Deleted since the task was saved: the agent refuses a push that comes without its file.
    if (!file) return {}
    return { file: { url: origin + agentFilePath(siteId, file.id), sha256: file.sha256, bytes: file.bytes } }
  }

  // Internals

  private requireFile(fileId: string): FileRow {
    this.scope.present()
    const file = this.book.file(fileId)
    if (!file) throw apiError(404, 'not_found', 'file not found')
    return file
  }

  private toFile(row: FileRow): SiteFile {
    return {
      id: row.id,
      site_id: this.scope.present().id,
      name: row.name,
      bytes: row.bytes,
      sha256: row.sha256,
      created_at: row.createdAt,
      created_by: row.createdBy,
    }
  }

  private events(body: SitewireEventBody, subject: string, actor: string, time: string): CloudEvent[] {
    return [toCloudEvent(body, { siteId: this.scope.present().id, subject, actor, time })]
  }
}
