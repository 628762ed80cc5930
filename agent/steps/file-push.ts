import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { FileStep } from '../../schema/tasks/steps'
import { syncDirectory } from '../state-dir'
import type { StepContext } from './context'
import { explain, resultOf, StepProblem, type StepResult } from './result'
import { authorizedRequest, describeResponse } from './transfer'
import { lookUpUser } from './users'

type PushStep = Extract<FileStep, { direction: 'push' }>

const cannotWrite = (path: string, error: unknown) =>
  new StepProblem('failed', `cannot write ${path}: ${explain(error)}`)

/**
 * Writes a file from the platform to `path`. The download goes to a temporary file beside it,
 * is checked (size and SHA-256) and flushed, gets its mode and owner, and only then replaces
 * `path` in one rename: a bad or cut download leaves what was there untouched.
 */
export const pushFile = async (step: PushStep, ctx: StepContext): Promise<StepResult> => {
  const expected = ctx.file
  if (!expected) throw new StepProblem('error', 'the platform sent no file for this push')
  const owner = step.owner ? await lookUpUser(step.owner, `owner ${step.owner}`) : undefined
  const mode = Number.parseInt(step.mode, 8)
  ctx.started(null)

  const request = await authorizedRequest(ctx.transfer, expected.url)
  let response: Response
  try {
    response = await fetch(request.url, {
      headers: { authorization: request.authorization },
      signal: ctx.signal,
    })
  } catch (error) {
    throw new StepProblem('failed', `could not download the file: ${explain(error)}`)
  }
  if (!response.ok || !response.body) {
    throw new StepProblem('failed', `could not download the file: ${describeResponse(response)}`)
  }

  const temp = join(dirname(step.path), `.${basename(step.path)}.${randomBytes(6).toString('hex')}.sitewire`)
  let fd: number
  try {
    fd = openSync(temp, 'wx', 0o600)
  } catch (error) {
    throw cannotWrite(step.path, error)
  }
  let keep = false
  try {
    const hash = createHash('sha256')
    let bytes = 0
    try {
      for await (const chunk of response.body) {
        bytes += chunk.length
        // More than announced is already wrong: no need to store the rest.
        if (bytes > expected.bytes) break
        hash.update(chunk)
        writeSync(fd, chunk)
      }
    } catch (error) {
      throw new StepProblem('failed', `the download was cut: ${explain(error)}`)
    }
    const sha256 = hash.digest('hex')
    if (bytes !== expected.bytes || sha256 !== expected.sha256) {
      const got =
        bytes > expected.bytes ? `more than ${expected.bytes} bytes` : `${bytes} bytes with SHA-256 ${sha256}`
      throw new StepProblem(
        'failed',
        `checksum mismatch: expected ${expected.bytes} bytes with SHA-256 ${expected.sha256}, got ${got}; ${step.path} is unchanged`,
      )
    }
    try {
      fsyncSync(fd)
      fchmodSync(fd, mode)
      if (owner) fchownSync(fd, owner.uid, owner.gid)
    } catch (error) {
      throw cannotWrite(step.path, error)
    }
    if (ctx.signal.aborted) return resultOf('cancelled', null)
    try {
      renameSync(temp, step.path)
      keep = true
      syncDirectory(dirname(step.path))
    } catch (error) {
      throw cannotWrite(step.path, error)
    }
    return resultOf('succeeded', `wrote ${bytes} bytes to ${step.path}`)
  } finally {
    closeSync(fd)
    if (!keep) rmSync(temp, { force: true })
  }
}
