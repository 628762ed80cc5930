import { Hono } from 'hono'
import { describeRoute, resolver } from 'hono-openapi'
import * as v from 'valibot'
import { ListFilesQuery, SiteFile, SiteFilePage, StoredFile, UploadFileQuery } from '../../schema/api/files'
import { Ulid } from '../../schema/common'
import { MAX_FILE_BYTES } from '../../schema/tasks/steps'
import { authorize } from '../auth/authenticate'
import { fetchedFileKey, siteFileKey } from '../files/paths'
import { announcedLength, fileResponse } from '../files/storage'
import { audited } from '../http/audited'
import { callerSite } from '../http/caller-objects'
import { type AppEnv, writeOf } from '../http/context'
import { apiError } from '../http/errors'
import { route, send } from '../http/reply'
import { valid } from '../http/validation'
import { siteOf } from '../objects'
import { SiteParam } from './sites'

/** A step index or attempt in a path. */
const Count = v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'a number'), v.transform(Number))
const FileParam = v.object({ siteId: Ulid, fileId: Ulid })
const FetchedParam = v.object({ siteId: Ulid, runId: Ulid, agentId: Ulid, index: Count })
const AttemptParam = v.object({ siteId: Ulid, runId: Ulid, index: Count, attempt: Count })

const LENGTH_ERRORS = {
  411: 'No `Content-Length` (`length_required`)',
  413: `More than ${MAX_FILE_BYTES} bytes (\`too_large\`)`,
}

/** `/v1/sites/{siteId}/…`: files operators upload for push steps, and files fetch steps brought back. */
export const fileRoutes = new Hono<AppEnv>()
  .post(
    '/:siteId/files',
    route({
      summary: 'Upload a file',
      tag: 'Files',
      description:
        'The body is the file, any content type, with `Content-Length`; `name` is how it is listed. Push ' +
        'steps name it by its id; agents check its SHA-256 before writing it.',
      ok: { status: 201, schema: SiteFile, description: 'The file, with its size and SHA-256' },
      errors: { 409: 'The site is archived', ...LENGTH_ERRORS },
    }),
    valid('param', SiteParam),
    audited('file.upload', 'site'),
    authorize('operator', 'site'),
    valid('query', UploadFileQuery),
    async (c) => {
      const bytes = announcedLength(c.req.header('content-length'))
      return send(
        c,
        await siteOf(c.env, c.req.valid('param').siteId).uploadFile(
          c.var.caller,
          { name: c.req.valid('query').name, bytes },
          c.req.raw.body,
          writeOf(c),
        ),
      )
    },
  )
  .get(
    '/:siteId/files',
    route({
      summary: "List a site's files",
      tag: 'Files',
      ok: { status: 200, schema: SiteFilePage, description: 'Files, oldest first' },
    }),
    valid('param', SiteParam),
    authorize('viewer', 'site'),
    valid('query', ListFilesQuery),
    async (c) => send(c, await callerSite(c).files.list(c.req.valid('query'))),
  )
  .get(
    '/:siteId/files/:fileId',
    route({
      summary: 'Get a file’s details',
      tag: 'Files',
      ok: { status: 200, schema: SiteFile, description: 'The file' },
    }),
    valid('param', FileParam),
    authorize('viewer', 'site'),
    async (c) => send(c, await callerSite(c).files.get(c.req.valid('param').fileId)),
  )
  .get(
    '/:siteId/files/:fileId/content',
    route({
      summary: 'Download a file',
      tag: 'Files',
      description: 'The bytes as uploaded; the `ETag` is their SHA-256.',
      ok: { status: 200, description: 'application/octet-stream' },
    }),
    valid('param', FileParam),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, fileId } = c.req.valid('param')
      const reply = await callerSite(c).files.get(fileId)
      if (reply.refused) return send(c, reply)
      const file = reply.body
      const object = await c.env.ARCHIVES.get(siteFileKey(siteId, fileId))
      // Deleted between the two reads: the log says so first, then the bytes go.
      if (!object) throw apiError(404, 'not_found', 'file not found')
      return fileResponse(object, file.sha256, file.name)
    },
  )
  .delete(
    '/:siteId/files/:fileId',
    route({
      summary: 'Delete a file',
      tag: 'Files',
      description:
        'Tasks that push it cannot be saved again until they name another file; their push steps fail from now on.',
      ok: { status: 200, schema: SiteFile, description: 'The file as it was' },
      errors: { 409: 'The site is archived' },
    }),
    valid('param', FileParam),
    audited('file.delete', 'site'),
    authorize('operator', 'site'),
    async (c) => send(c, await callerSite(c).files.delete(c.req.valid('param').fileId, writeOf(c))),
  )
  .get(
    '/:siteId/runs/:runId/files/:agentId/:index',
    route({
      summary: 'Download a file a fetch step brought back',
      tag: 'Files',
      description:
        'What the agent read at the step’s path, from the latest attempt that reported a file; the `ETag` is ' +
        'the SHA-256 the agent reported.',
      ok: { status: 200, description: 'application/octet-stream' },
    }),
    valid('param', FetchedParam),
    authorize('viewer', 'site'),
    async (c) => {
      const { siteId, runId, agentId, index } = c.req.valid('param')
      const reply = await callerSite(c).files.fetched(runId, agentId, index)
      if (reply.refused) return send(c, reply)
      const fetched = reply.body
      const object = await c.env.ARCHIVES.get(fetchedFileKey(siteId, runId, agentId, index, fetched.attempt))
      if (!object) throw apiError(404, 'not_found', 'the agent reported a file it did not upload')
      return fileResponse(object, fetched.sha256)
    },
  )

const agentRoute = (summary: string, description: string, ok: Record<number, object>) =>
  describeRoute({
    summary,
    tags: ['Files'],
    description: `${description} No API key: \`Authorization: Bearer <agent JWT>\` whose \`aud\` is this path.`,
    security: [],
    responses: {
      ...ok,
      401: { description: 'No valid agent JWT' },
      403: { description: 'The agent may not move this file now (`not_your_step`), or was revoked' },
    },
  })

/** Agents move a file step's bytes here, with a JWT for exactly the path; the Site object decides. */
export const agentFileRoutes = new Hono<AppEnv>()
  .get(
    '/sites/:siteId/agents/files/:fileId',
    agentRoute(
      'An agent downloads the file of its push step, or of a File resource it keeps',
      'Only while the agent is on a step pushing it, or keeps a `File` resource whose `file_id` names it.',
      {
        200: { description: 'application/octet-stream; the `ETag` is its SHA-256' },
        404: { description: 'The file was deleted' },
      },
    ),
    valid('param', FileParam),
    async (c) => siteOf(c.env, c.req.valid('param').siteId).fetch(c.req.raw),
  )
  .put(
    '/sites/:siteId/agents/runs/:runId/steps/:index/:attempt/file',
    agentRoute(
      'An agent uploads the file of its fetch step',
      'Only while the agent is on that attempt of a fetch step; it then reports the same SHA-256 in `step.finished`.',
      {
        201: { description: 'Stored', content: { 'application/json': { schema: resolver(StoredFile) } } },
        411: { description: 'No `Content-Length`' },
        413: { description: `More than ${MAX_FILE_BYTES} bytes` },
      },
    ),
    valid('param', AttemptParam),
    async (c) => {
      // Refused here before the object is woken or a byte is read.
      const bytes = announcedLength(c.req.header('content-length'))
      // Forwarded through a pipe of our own: when the object refuses and drops the body unread,
      // the pipe ends here quietly rather than read the request after the response went.
      const { readable, writable } = new FixedLengthStream(bytes)
      void (c.req.raw.body ?? new Blob([]).stream()).pipeTo(writable).catch(() => {})
      return siteOf(c.env, c.req.valid('param').siteId).fetch(new Request(c.req.raw, { body: readable }))
    },
  )
