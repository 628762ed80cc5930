import { createHash } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import { type FileStep, MAX_FILE_BYTES } from '../../schema/tasks/steps'
import type { StepContext } from './context'
import { explain, StepProblem, type StepResult } from './result'
import { authorizedRequest, describeResponse } from './transfer'

type FetchStep = Extract<FileStep, { direction: 'fetch' }>

const sizeOf = (path: string): number => {
  let stats: ReturnType<typeof statSync>
  try {
    stats = statSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new StepProblem(
      'failed',
      code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${explain(error)}`,
    )
  }
  if (!stats.isFile()) throw new StepProblem('failed', `${path} is not a regular file`)
  if (stats.size > MAX_FILE_BYTES)
    throw new StepProblem(
      'failed',
      `${path} has ${stats.size} bytes, more than the ${MAX_FILE_BYTES} a step may fetch`,
    )
  return stats.size
}

/**
 * Uploads the file at `path` to the platform. It is read once, streamed and hashed on the
 * way, and only as many bytes as it had when the step began: a file still growing (a log)
 * is sent as it was then, and the checksum reported is that of what was sent.
 */
export const fetchFile = async (step: FetchStep, ctx: StepContext): Promise<StepResult> => {
  if (!ctx.uploadUrl) throw new StepProblem('error', 'the platform sent no upload URL for this fetch')
  const bytes = sizeOf(step.path)
  ctx.started(null)
  const request = await authorizedRequest(ctx.transfer, ctx.uploadUrl)
  const hash = createHash('sha256')
  const content = bytes === 0 ? Readable.from([]) : createReadStream(step.path, { start: 0, end: bytes - 1 })
  const hashed = content.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        done(null, chunk)
      },
    }),
  )
  content.on('error', (error: Error) => hashed.destroy(error))
  let response: Response
  try {
    response = await fetch(request.url, {
      method: 'PUT',
      headers: {
        authorization: request.authorization,
        'content-type': 'application/octet-stream',
        'content-length': String(bytes),
      },
      body: Readable.toWeb(hashed) as ReadableStream,
      signal: ctx.signal,
      // Node's fetch sends a stream body only when told the response may start before it ends.
      duplex: 'half',
    } as RequestInit)
  } catch (error) {
    content.destroy()
    throw new StepProblem('failed', `could not upload ${step.path}: ${explain(error)}`)
  }
  await response.body?.cancel()
  if (!response.ok)
    throw new StepProblem('failed', `could not upload ${step.path}: ${describeResponse(response)}`)
  return {
    outcome: 'succeeded',
    exit_code: null,
    signal: null,
    message: `uploaded ${bytes} bytes from ${step.path}`,
    file: { sha256: hash.digest('hex'), bytes },
  }
}
