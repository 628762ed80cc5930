import { createHash } from 'node:crypto'
import { agentFilePath } from '../../schema/agent/protocol'
import type { Transfer } from '../steps/context'
import { authorizedRequest, describeResponse } from '../steps/transfer'
import type { StoredFiles } from './file-applier'

/** A download may be as large as a file step's; it gets as long as one. */
const DOWNLOAD_TIMEOUT_MS = 300_000

/** What the platform said when it refused: its error's message, else the status. */
const refusal = async (response: Response) => {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined
  return body?.error?.message ?? describeResponse(response)
}

/**
 * The site's stored files as a `File` resource reads them: from the platform, with a JWT for
 * exactly the file's path, checked against the sha256 the platform gives as its `ETag`.
 */
export const storedFilesOf = (transfer: Transfer, siteId: string): StoredFiles => ({
  async download(fileId) {
    const request = await authorizedRequest(transfer, agentFilePath(siteId, fileId))
    const response = await fetch(request.url, {
      headers: { authorization: request.authorization },
      signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
    })
    if (!response.ok) throw new Error(`could not download file ${fileId}: ${await refusal(response)}`)
    const bytes = Buffer.from(await response.arrayBuffer())
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const announced = response.headers.get('etag')?.replaceAll('"', '')
    if (announced && announced !== sha256)
      throw new Error(
        `file ${fileId} arrived with sha256 ${sha256}, not the ${announced} the platform announced`,
      )
    return { bytes, sha256 }
  },
})
